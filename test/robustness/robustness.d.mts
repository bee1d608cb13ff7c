// Types of robustness.mjs (plain ESM so that bench/robustness.mjs runs it without a TypeScript loader).
import type { Arbitrary } from 'fast-check';

/** What a route reads and who may call it; see `ROUTES`. */
export interface RouteSpec {
  readonly method: string;
  readonly path: string;
  readonly access: 'public' | 'read' | 'write';
  readonly body?: () => Arbitrary<unknown>;
  readonly query?: () => Arbitrary<[string, string][]>;
  readonly ifMatch?: boolean;
  readonly decision429?: boolean;
  readonly answersRule?: boolean;
  readonly weight?: number;
}

/** One kind of hostile input: which routes it applies to and the arbitrary of its cases. */
export interface Family {
  readonly name: string;
  readonly weight: number | ((route: RouteSpec) => number);
  appliesTo(route: RouteSpec): boolean;
  cases(route: RouteSpec): Arbitrary<Case>;
}

/** One generated input, before it is turned into bytes (`buildRequest`). */
export type Case = Readonly<Record<string, unknown>>;

/** A route and a family, with its share of the run. */
export interface Cell {
  readonly name: string;
  readonly route: RouteSpec;
  readonly family: string;
  readonly runs: number;
  readonly cases: Arbitrary<Case>;
}

export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

/** The service's `validateRuleBody`, as the run calls it. */
export type RuleValidator = (
  body: unknown,
  mode: 'create',
) => { readonly value?: unknown; readonly errors?: readonly FieldError[] | undefined };

export interface ContextOptions {
  /** The service, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly adminToken: string;
  readonly readonlyToken: string;
  /** The service's BODY_LIMIT_BYTES. */
  readonly bodyLimit: number;
  readonly validateRuleBody: RuleValidator;
  /** How long one request may take before it counts as unanswered (10 s). */
  readonly timeoutMs?: number;
  /** The service's last logged error (`type: message`), added to the report of a 5xx. */
  readonly serverError?: () => Promise<string | undefined>;
}

/** What a run talks to, and what it learnt while running. */
export interface RunContext extends ContextOptions {
  readonly timeoutMs: number;
  /** Ids seen in answers, per collection path. */
  readonly pools: Map<string, string[]>;
  /** Answers by status (and `none`, `protocol-400`, `bare-<status>`), shrinking included. */
  readonly statuses: Map<string, number>;
}

/** A request as sent: path percent-encoded, body as bytes; `protocol` when sent over a raw socket. */
export interface BuiltRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: readonly [string, string][];
  readonly body: Buffer | undefined;
  readonly protocol?: Readonly<Record<string, unknown>>;
}

export interface CaseFailure {
  readonly problem: string;
  readonly request: BuiltRequest;
  /** The raw bytes, for protocol cases. */
  readonly raw?: Buffer;
}

export interface CellResult {
  readonly name: string;
  readonly route: string;
  readonly family: string;
  /** The cell's fast-check seed. */
  readonly seed: number;
  /** Generated inputs sent (up to and including the first failure). */
  readonly inputs: number;
  /** Inputs sent while shrinking a failure. */
  readonly shrinks: number;
  /** Answers to the generated inputs by status (`none`: unanswered; `protocol-400`, `bare-<status>`: see robustness.mjs). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly failure?: {
    /** fast-check's report: seed, path, shrunk counterexample, the error. */
    readonly report: string;
    readonly problem: string | undefined;
    /** A shell command sending the shrunk counterexample to `$URL`. */
    readonly reproduction: string | undefined;
    readonly crashed: boolean;
  };
}

export interface StoredRuleProblem {
  readonly id: unknown;
  readonly name?: unknown;
  readonly problems: readonly string[];
}

export declare const ROUTES: readonly RouteSpec[];
export declare const FAMILIES: readonly Family[];
export declare const hostileString: Arbitrary<string>;
export declare const hostileValue: Arbitrary<unknown>;
export declare function anyObject(): Arbitrary<Record<string, unknown>>;
export declare function routeLabel(route: RouteSpec): string;
export declare function cellsOf(
  routes: readonly RouteSpec[],
  totalRuns: number,
  options?: { readonly minRuns?: number },
): Cell[];
export declare function createContext(options: ContextOptions): RunContext;
export declare function buildRequest(ctx: RunContext, route: RouteSpec, kase: Case): BuiltRequest;
/** One answer as read back: status, lower-cased headers, body bytes. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}
export declare function send(
  ctx: RunContext,
  request: BuiltRequest,
): Promise<{ readonly answers: Answer[]; readonly error?: string; readonly mayClose?: boolean; readonly raw?: Buffer }>;
export declare function checkCase(
  ctx: RunContext,
  route: RouteSpec,
  kase: Case,
  counts?: Map<string, number>,
): Promise<CaseFailure | undefined>;
export declare function problemKind(problem: string): string;
export declare function cellSeed(seed: number, name: string): number;
export declare function runCell(
  ctx: RunContext,
  cell: Cell,
  options: {
    readonly seed: number;
    readonly runs?: number;
    readonly timeLimitMs?: number;
    readonly isAlive?: () => Promise<boolean>;
  },
): Promise<CellResult>;
/** One kind of problem a survey met: how often, and how to reproduce its first case. */
export interface SurveyedProblem {
  readonly kind: string;
  readonly count: number;
  readonly problem: string;
  readonly reproduction: string;
}
export declare function surveyCell(
  ctx: RunContext,
  cell: Cell,
  options: { readonly seed: number; readonly runs: number },
): Promise<{
  readonly inputs: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly problems: SurveyedProblem[];
}>;
export declare function reproduction(ctx: RunContext, failure: CaseFailure): string;
export declare function ruleProblems(rule: unknown, validateRuleBody: RuleValidator): string[];
export declare function warmUp(
  ctx: RunContext,
  options: { readonly seed: number; readonly runs?: number },
): Promise<void>;
export declare function loggedError(line: unknown): string | undefined;
export declare function seedRules(ctx: RunContext, count?: number): Promise<void>;
export declare function storedRuleProblems(
  ctx: RunContext,
): Promise<{ readonly checked: number; readonly problems: StoredRuleProblem[] }>;
