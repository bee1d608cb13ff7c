/**
 * The routes the fault suite calls, and how to call each one validly. The list of routes is the
 * running node's OpenAPI document (`/docs/json`): every operation in it must have an entry in
 * `CALLS` (a new route fails the suite until someone says how to call it and what it is), and
 * every entry must be in the document (a removed route is removed here too).
 *
 * The admin routes' access (read or write) is the robustness run's (`ROUTES` of
 * test/robustness/robustness.mjs), which already lists every admin route: the two tables must agree.
 */
import { ROUTES } from '../robustness/robustness.mjs';

/**
 * What a route is, for what a fault may do to it:
 * - `decision`: decides by the rate limiter (`/v1/check`, nginx's auth-request, a guarded route):
 *   its answer under a store fault is the fail mode's;
 * - `release`: gives back a lease (never fails the caller: a failed release is swallowed);
 * - `read` / `write`: admin routes;
 * - `health` (readiness) and `live` (liveness).
 */
export type RouteKind = 'decision' | 'release' | 'read' | 'write' | 'health' | 'live';

/** What a storage fault breaks: the rate-limit store (Redis) or the rules database (Postgres). */
export type Storage = 'redis' | 'postgres';

/** Ids of the rows a sweep's requests act on, made before the sweep (`seedFixtures`). */
export interface Fixtures {
  /** Unique per sweep, in names and values a write creates, so its row can be looked for. */
  readonly tag: string;
  /** A rule to read and patch (`version` its current one). */
  readonly rule: { readonly id: string; readonly version: number };
  readonly ruleToDelete: { readonly id: string; readonly version: number };
  /** A rule at version 2, rolled back to 1. */
  readonly ruleToRollBack: { readonly id: string; readonly version: number };
  readonly apiKey: string;
  readonly apiKeyToRevoke: string;
  readonly block: string;
  readonly blockToDelete: string;
  readonly allow: string;
  readonly allowToDelete: string;
}

export interface CallRequest {
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CallSpec {
  readonly kind: RouteKind;
  /**
   * The storage the route cannot answer without (beyond the snapshot in node memory). A route
   * that needs a storage under fault answers 503 with Retry-After (a decision route: its fail
   * mode); one that does not answers as it does when all is well.
   */
  readonly needs: readonly Storage[];
  /**
   * For writes: what one that succeeded leaves in Postgres: a row (looked for by `rowExists`),
   * an audit entry (`rule_audit` for rules, `admin_audit` for the rest) and, for writes that change
   * what nodes enforce, an outbox row with the same rules version.
   */
  readonly write?: {
    readonly audit: 'rule' | 'admin';
    readonly outbox: boolean;
    /** For creates: the SQL that counts the row this sweep's request creates (`$1`: the tag). */
    readonly rowSql?: string;
  };
  /** A valid request: the route answers 2xx to it when nothing is broken. */
  request(fixtures: Fixtures): CallRequest;
}

const CHECK_BODY = (fixtures: Fixtures) => ({ clientId: `faults-${fixtures.tag}`, resource: 'GET /faults' });

const RULE_BODY = (name: string) => ({
  name,
  match: { resource: `GET /faults/${name}` },
  limits: [{ limit: 1000, windowMs: 60_000 }],
});

/** Where the fault suite's node mounts its guarded fixture route (`FaultsFixtureModule`). */
export const GUARDED_PATH = '/faults-fixture/guarded';

/** Every operation of the document, `METHOD /path` with OpenAPI's `{param}`, and how to call it. */
export const CALLS: Readonly<Record<string, CallSpec>> = {
  'POST /v1/check': {
    kind: 'decision',
    needs: ['redis'],
    request: (f) => ({ path: '/v1/check', body: CHECK_BODY(f) }),
  },
  'GET /v1/check/auth-request': {
    kind: 'decision',
    needs: ['redis'],
    request: (f) => ({
      path: '/v1/check/auth-request',
      headers: { 'x-original-method': 'GET', 'x-original-uri': `/faults-auth/${f.tag}`, 'x-real-ip': '203.0.113.7' },
    }),
  },
  [`GET ${GUARDED_PATH}`]: { kind: 'decision', needs: ['redis'], request: () => ({ path: GUARDED_PATH }) },
  'POST /v1/check/release': {
    kind: 'release',
    needs: [],
    request: (f) => ({ path: '/v1/check/release', body: { ...CHECK_BODY(f), leaseId: 'faults:1' } }),
  },
  'POST /v1/admin/explain': {
    kind: 'read',
    needs: [],
    request: (f) => ({ path: '/v1/admin/explain', body: CHECK_BODY(f) }),
  },
  'GET /v1/admin/rules': { kind: 'read', needs: ['postgres'], request: () => ({ path: '/v1/admin/rules?limit=5' }) },
  'POST /v1/admin/rules': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'rule', outbox: true, rowSql: 'SELECT count(*)::int AS n FROM rules WHERE name = $1' },
    request: (f) => ({ path: '/v1/admin/rules', body: RULE_BODY(f.tag) }),
  },
  'GET /v1/admin/rules/version': {
    kind: 'read',
    needs: ['postgres'],
    request: () => ({ path: '/v1/admin/rules/version' }),
  },
  'GET /v1/admin/rules/{id}': {
    kind: 'read',
    needs: ['postgres'],
    request: (f) => ({ path: `/v1/admin/rules/${f.rule.id}` }),
  },
  'PATCH /v1/admin/rules/{id}': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'rule', outbox: true },
    request: (f) => ({
      path: `/v1/admin/rules/${f.rule.id}`,
      body: { description: `patched ${f.tag}` },
      headers: { 'if-match': `"${f.rule.version}"` },
    }),
  },
  'DELETE /v1/admin/rules/{id}': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'rule', outbox: true },
    request: (f) => ({
      path: `/v1/admin/rules/${f.ruleToDelete.id}`,
      headers: { 'if-match': `"${f.ruleToDelete.version}"` },
    }),
  },
  'GET /v1/admin/rules/{id}/history': {
    kind: 'read',
    needs: ['postgres'],
    request: (f) => ({ path: `/v1/admin/rules/${f.rule.id}/history` }),
  },
  'POST /v1/admin/rules/{id}/rollback': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'rule', outbox: true },
    request: (f) => ({
      path: `/v1/admin/rules/${f.ruleToRollBack.id}/rollback`,
      body: { version: 1 },
      headers: { 'if-match': `"${f.ruleToRollBack.version}"` },
    }),
  },
  'GET /v1/admin/nodes': { kind: 'read', needs: ['redis'], request: () => ({ path: '/v1/admin/nodes' }) },
  'POST /v1/admin/api-keys': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true, rowSql: 'SELECT count(*)::int AS n FROM api_keys WHERE owner = $1' },
    request: (f) => ({ path: '/v1/admin/api-keys', body: { tier: 'free', owner: f.tag } }),
  },
  'GET /v1/admin/api-keys': { kind: 'read', needs: ['postgres'], request: () => ({ path: '/v1/admin/api-keys' }) },
  'GET /v1/admin/api-keys/{id}': {
    kind: 'read',
    needs: ['postgres'],
    request: (f) => ({ path: `/v1/admin/api-keys/${f.apiKey}` }),
  },
  'PATCH /v1/admin/api-keys/{id}': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true },
    request: (f) => ({ path: `/v1/admin/api-keys/${f.apiKey}`, body: { description: `patched ${f.tag}` } }),
  },
  'POST /v1/admin/api-keys/{id}/revoke': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true },
    request: (f) => ({ path: `/v1/admin/api-keys/${f.apiKeyToRevoke}/revoke` }),
  },
  'POST /v1/admin/blocks': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true, rowSql: 'SELECT count(*)::int AS n FROM blocks WHERE value = $1' },
    request: (f) => ({
      path: '/v1/admin/blocks',
      body: { type: 'clientId', value: f.tag, durationMs: 60_000, reason: 'faults' },
    }),
  },
  'GET /v1/admin/blocks': { kind: 'read', needs: ['postgres'], request: () => ({ path: '/v1/admin/blocks' }) },
  'GET /v1/admin/blocks/{id}': {
    kind: 'read',
    needs: ['postgres'],
    request: (f) => ({ path: `/v1/admin/blocks/${f.block}` }),
  },
  'DELETE /v1/admin/blocks/{id}': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true },
    request: (f) => ({ path: `/v1/admin/blocks/${f.blockToDelete}` }),
  },
  'POST /v1/admin/allowlist': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true, rowSql: 'SELECT count(*)::int AS n FROM allowlist WHERE value = $1' },
    request: (f) => ({ path: '/v1/admin/allowlist', body: { type: 'clientId', value: f.tag } }),
  },
  'GET /v1/admin/allowlist': { kind: 'read', needs: ['postgres'], request: () => ({ path: '/v1/admin/allowlist' }) },
  'GET /v1/admin/allowlist/{id}': {
    kind: 'read',
    needs: ['postgres'],
    request: (f) => ({ path: `/v1/admin/allowlist/${f.allow}` }),
  },
  'DELETE /v1/admin/allowlist/{id}': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true },
    request: (f) => ({ path: `/v1/admin/allowlist/${f.allowToDelete}` }),
  },
  'GET /v1/admin/system/state': {
    kind: 'read',
    needs: ['postgres'],
    request: () => ({ path: '/v1/admin/system/state' }),
  },
  'PUT /v1/admin/system/state': {
    kind: 'write',
    needs: ['postgres'],
    write: { audit: 'admin', outbox: true },
    request: (f) => ({ path: '/v1/admin/system/state', body: { state: 'NORMAL', reason: f.tag } }),
  },
  'GET /v1/admin/counters': {
    kind: 'read',
    // The store for the usage, the database for the audit entry every read leaves.
    needs: ['redis', 'postgres'],
    request: (f) => ({ path: `/v1/admin/counters?rule=default&clientId=faults-${f.tag}` }),
  },
  'DELETE /v1/admin/counters': {
    kind: 'write',
    needs: ['redis', 'postgres'],
    write: { audit: 'admin', outbox: false },
    request: (f) => ({ path: `/v1/admin/counters?rule=default&clientId=faults-${f.tag}` }),
  },
  'GET /v1/admin/audit': { kind: 'read', needs: ['postgres'], request: () => ({ path: '/v1/admin/audit?limit=5' }) },
  'GET /v1/admin/over-limit': { kind: 'read', needs: ['redis'], request: () => ({ path: '/v1/admin/over-limit' }) },
  'GET /health': { kind: 'health', needs: ['redis', 'postgres'], request: () => ({ path: '/health' }) },
  'GET /health/live': { kind: 'live', needs: [], request: () => ({ path: '/health/live' }) },
};

/** One operation of the document, with the table's entry for it. */
export interface Route extends CallSpec {
  readonly method: string;
  readonly path: string;
  readonly label: string;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

/**
 * The document's operations, each with its entry of `CALLS`. Throws naming every operation the
 * table cannot call and every entry the document does not have, and every admin route whose
 * access disagrees with the robustness table.
 */
export function routesOf(document: { paths: Record<string, Partial<Record<string, unknown>>> }): Route[] {
  const routes: Route[] = [];
  const uncallable: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      if (item[method] === undefined) continue;
      const label = `${method.toUpperCase()} ${path}`;
      const spec = CALLS[label];
      if (spec === undefined) uncallable.push(label);
      else routes.push({ ...spec, method: method.toUpperCase(), path, label });
    }
  }
  const documented = new Set(routes.map((route) => route.label));
  const missing = Object.keys(CALLS).filter((label) => !documented.has(label));
  const disagreeing = ROUTES.filter((spec) => spec.access !== 'public')
    .map((spec) => `${spec.method} ${spec.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`)
    .filter((label) => CALLS[label] !== undefined && CALLS[label].kind !== accessOf(label));
  const problems = [
    ...uncallable.map(
      (label) => `${label}: in /docs/json but not in CALLS (test/faults/fault-routes.ts): say how to call it`,
    ),
    ...missing.map((label) => `${label}: in CALLS but not in /docs/json`),
    ...disagreeing.map(
      (label) => `${label}: CALLS says ${CALLS[label]!.kind}, robustness ROUTES says ${accessOf(label)}`,
    ),
  ];
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return routes;
}

function accessOf(label: string): string | undefined {
  return ROUTES.find((spec) => `${spec.method} ${spec.path.replace(/:([A-Za-z_]+)/g, '{$1}')}` === label)?.access;
}
