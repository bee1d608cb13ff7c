/**
 * Floodgate's robustness run: hostile inputs for every route of the service, and the properties
 * every answer must have. Plain ESM, so both runs import it as it is:
 * - `test/robustness/robustness.e2e-spec.ts`: a short run inside `npm test` (the service in-process);
 * - `bench/robustness.mjs`: the full run (10,000 inputs) against `node dist/main.js`.
 *
 * A run is a grid of cells, one per route and input family (`cellsOf`). Each cell is one
 * `fc.assert` with a seed derived from the run's, so a failing cell is reported with its shrunk
 * counterexample (printed as the request it sends) and can be replayed alone. The properties:
 * - no answer is a 5xx, and every request that speaks HTTP correctly gets an answer;
 * - every 4xx has the error shape `{ statusCode, error, message }`, and every 400 and 413 (input
 *   errors) also `field`, `reason` and `errors`;
 * - every rule a write answers with is valid (`ruleProblems`), and so is every rule stored after
 *   the run (`storedRuleProblems`).
 * Crashes and memory are checked by the callers, which own the process.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every route of the service, one line each: `route('METHOD /path', access, options)`. A new route
 * is one more line.
 * - access: `public`, `read` (either admin token) or `write` (the full admin token only);
 * - `body`: for routes that read a body, a function returning the arbitrary of a plausible one
 *   (the families below mutate it; `anyObject` when there is no better model yet);
 * - `query`: a function returning the arbitrary of plausible query parameters (`[name, value][]`);
 * - `ifMatch`: the route reads `If-Match`;
 * - `answersRule`: a 2xx body is one rule, which must be valid (`ruleProblems`);
 * - `decision429`: a 429 is a decision body, not an error (`/v1/check`);
 * - `weight`: the route's share of the run's inputs (default 1).
 * Each `:param` gets ids seen in earlier answers of the same collection (the path before the
 * param), random UUIDs, and hostile strings.
 */
export const ROUTES = [
  route('POST /v1/check', 'public', { body: checkBody, decision429: true, weight: 2 }),
  route('POST /v1/admin/explain', 'read', { body: checkBody }),
  route('GET /v1/admin/rules', 'read', { query: ruleListQuery }),
  route('POST /v1/admin/rules', 'write', { body: ruleBody, answersRule: true, weight: 2 }),
  route('GET /v1/admin/rules/version', 'read', { weight: 0.5 }),
  route('GET /v1/admin/rules/:id', 'read', { answersRule: true }),
  route('PATCH /v1/admin/rules/:id', 'write', { body: rulePatch, ifMatch: true, answersRule: true, weight: 2 }),
  route('DELETE /v1/admin/rules/:id', 'write', { ifMatch: true, weight: 0.5 }),
  route('GET /v1/admin/rules/:id/history', 'read'),
  route('POST /v1/admin/rules/:id/rollback', 'write', { body: rollbackBody, ifMatch: true, answersRule: true }),
  route('GET /v1/admin/nodes', 'read', { weight: 0.5 }),
  route('POST /v1/check/release', 'public', { body: releaseBody }),
  route('POST /v1/admin/api-keys', 'write', { body: apiKeyBody }),
  route('GET /v1/admin/api-keys', 'read', { query: pageQuery(['tier', 'enabled', 'revoked']) }),
  route('GET /v1/admin/api-keys/:id', 'read', { weight: 0.5 }),
  route('PATCH /v1/admin/api-keys/:id', 'write', { body: apiKeyBody }),
  route('POST /v1/admin/api-keys/:id/revoke', 'write', { weight: 0.5 }),
  route('POST /v1/admin/blocks', 'write', { body: blockBody }),
  route('GET /v1/admin/blocks', 'read', { query: pageQuery(['type']) }),
  route('GET /v1/admin/blocks/:id', 'read', { weight: 0.5 }),
  route('DELETE /v1/admin/blocks/:id', 'write', { weight: 0.5 }),
  route('POST /v1/admin/allowlist', 'write', { body: allowBody }),
  route('GET /v1/admin/allowlist', 'read', { query: pageQuery(['type']) }),
  route('GET /v1/admin/allowlist/:id', 'read', { weight: 0.5 }),
  route('DELETE /v1/admin/allowlist/:id', 'write', { weight: 0.5 }),
  route('GET /v1/admin/system/state', 'read', { weight: 0.5 }),
  route('PUT /v1/admin/system/state', 'write', { body: stateBody, weight: 0.5 }),
  route('GET /v1/admin/counters', 'read', { query: countersQuery }),
  route('DELETE /v1/admin/counters', 'write', { query: countersQuery }),
  route('GET /v1/admin/audit', 'read', { query: pageQuery(['targetType', 'targetId']) }),
  route('GET /v1/admin/over-limit', 'read', { query: pageQuery([]), weight: 0.5 }),
];

function route(methodAndPath, access, options = {}) {
  const [method, path] = methodAndPath.split(' ');
  return { method, path, access, ...options };
}

/** `METHOD /path`, the name of a route in reports. */
export function routeLabel(route) {
  return `${route.method} ${route.path}`;
}

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

/** Pieces that have broken services before: encodings, invisible and control characters, glob and Redis syntax. */
const HOSTILE_PIECES = [
  '\u0000',
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\u200e', // left-to-right mark
  '\u200f', // right-to-left mark
  '\u202e', // right-to-left override
  '\u2066',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800', // lone high surrogate
  '\udbff',
  '\udc00', // lone low surrogate
  '\udfff',
  '😀',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  'é',
  'e\u0301',
  'İ',
  'ß',
  'ﷺ',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  ':',
  '\\',
  '/',
  '%',
  '%00',
  '%2F',
  '..',
  '"',
  "'",
  '`',
  '$',
  '#',
  '&',
  '=',
  ' ',
  '*:*',
  '{tag}',
  '[a-z]',
  '\r\nSET x 1\r\n',
  '<script>',
  '__proto__',
  'constructor',
];

/** The pieces that break things most often, drawn more often than the rest. */
const USUAL_SUSPECTS = ['\u0000', '\ud800', '\udfff', '\u202e', '\u200b', '*', '{', '\n'];

const hostileUnit = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...USUAL_SUSPECTS) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_PIECES) },
  { weight: 3, arbitrary: fc.constantFrom(...'abcz09-_.') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);

/** The documented length limits (name 64, tier 64, clientId 256, description 500, resource 512), each side. */
const EDGE_LENGTHS = [1, 63, 64, 65, 255, 256, 257, 499, 500, 501, 511, 512, 513];

/** Strings exactly at a length limit, or one off, in characters of 1 or 2 UTF-16 units (cut in half too). */
const edgeString = fc
  .tuple(fc.constantFrom(...EDGE_LENGTHS), fc.constantFrom('a', 'é', '😀', '\u0000', '\ud800', '*', '\u200b'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Long runs of one piece, up to several KiB. */
const longString = fc
  .tuple(fc.string({ unit: hostileUnit, minLength: 1, maxLength: 3 }), fc.integer({ min: 100, max: 4000 }))
  .map(([piece, times]) => piece.repeat(times));

/** Strings mixing plain characters with hostile ones, some at the length limits, a few very long. */
export const hostileString = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom('', ' ', '\u0000', '\ud800', '*', 'KEYS *', 'null', '1e308', 'NaN', '-0') },
  { weight: 2, arbitrary: edgeString },
  { weight: 1, arbitrary: longString },
);

/** Numbers at the edges: of JSON, of doubles, of 32- and 53-bit integers, and of each documented bound. */
const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e-7,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1_000_000,
  1_000_001,
  -1_000_000,
  -1_000_001,
  1_000_000_000,
  1_000_000_001,
  2_678_400_000,
  2_678_400_001,
];
const hostileNumber = fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.integer(), fc.double());

/** Numbers as strings, which the API must refuse (`"5"` is not a number). */
const numericString = fc.constantFrom('5', '1', '0', '-0', '1e308', '1e400', 'NaN', 'Infinity', '0x10', ' 1', '1_000');

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'id', 'version', '$gt'),
  fc.string({ unit: hostileUnit, maxLength: 8 }),
);

const hostileScalar = fc.oneof(hostileString, hostileNumber, numericString, fc.boolean(), fc.constant(null));

/** Any JSON value a field should not hold, usually a scalar of the wrong type or shape. */
export const hostileValue = fc.oneof(
  { weight: 6, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileKey, hostileScalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Mostly `plausible`, sometimes anything hostile. */
function field(plausible) {
  return fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: hostileValue });
}

// ---------------------------------------------------------------------------------------------
// Plausible bodies, one model per route (the families make them hostile). Each is half valid by
// construction, with strings that are well typed but hostile (they reach the database, Redis and
// the logs), and half fuzzy: any field may hold anything.
// ---------------------------------------------------------------------------------------------

const ALGORITHMS = ['sliding_window', 'sliding_log', 'token_bucket', 'fixed_window', 'gcra'];

/**
 * Valid rule names come from a fixed set, so the number of stored rules stays bounded whatever the
 * run's length (a longer run exercises name conflicts instead), and so does the rules snapshot.
 */
const RULE_NAMES = 200;
const validRuleName = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: RULE_NAMES - 1 }).map((i) => `r${i}`) },
  { weight: 1, arbitrary: fc.constantFrom('a', '0', 'a'.repeat(64), 'a.b_c-d', '9-z') },
);
const ruleName = fc.oneof(
  { weight: 4, arbitrary: validRuleName },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(65), 'A', '-a', 'a b', 'a\n', 'a*', 'a:b', '') },
  { weight: 1, arbitrary: hostileString },
);

/** Resources as callers name them, glob-like ones included, or anything. */
const resource = fc.oneof(
  fc.constantFrom('GET /search', 'POST /v1/check', 'global', '*', 'GET /v1/*', '**', '*?*', '[a-z]*', '{a,b}', 'a:*'),
  hostileString,
);

const selectorText = fc.oneof(fc.constantFrom('free', 'pro', 'acct_42'), hostileString);

/** Hostile but short enough for every length limit (a piece is at most 13 UTF-16 units). */
const shortHostile = (maxPieces) => fc.string({ unit: hostileUnit, minLength: 1, maxLength: maxPieces });
const validSelector = fc.oneof(fc.constantFrom('free', 'pro', 'acct_42'), shortHostile(4));
const validResource = fc.oneof(
  resource.filter((text) => text.length >= 1 && text.length <= 512),
  shortHostile(24),
);

const cost = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constantFrom(0, 1_000_000));

function checkBody() {
  const valid = { clientId: validSelector, resource: validResource, cost, tier: validSelector };
  const fuzzy = {
    clientId: field(selectorText),
    resource: field(resource),
    cost: field(fc.oneof(cost, fc.constantFrom(1_000_001, -1))),
    tier: field(selectorText),
  };
  return fc.oneof(
    { weight: 3, arbitrary: fc.record(valid, { requiredKeys: ['clientId'] }) },
    { weight: 2, arbitrary: fc.record(fuzzy, { requiredKeys: ['clientId'] }) },
    { weight: 1, arbitrary: fc.record(fuzzy, { requiredKeys: [] }) },
  );
}

const validLimit = {
  limit: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, 1_000_000_000)),
  windowMs: fc.oneof(fc.constantFrom(1, 1000, 60_000, 2_678_400_000), fc.integer({ min: 1, max: 1e6 })),
  burst: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(1_000_000_000)),
};

/** 1 to 5 limits with distinct windows. */
const validLimits = fc.uniqueArray(fc.record(validLimit, { requiredKeys: ['limit', 'windowMs'] }), {
  minLength: 1,
  maxLength: 5,
  selector: (limit) => limit.windowMs,
});

const fuzzyLimit = fc.record(
  {
    limit: field(fc.oneof(validLimit.limit, fc.constant(1_000_000_001))),
    windowMs: field(fc.oneof(validLimit.windowMs, fc.constantFrom(2_678_400_001, 0))),
    burst: field(fc.oneof(validLimit.burst, fc.constant(1_000_000_001))),
  },
  { requiredKeys: ['limit', 'windowMs'] },
);

/** An Envoy rule's descriptor entries (src/rules: 1 to 8, keys up to 128 characters, values up to 1024). */
const validDescriptors = fc.array(fc.record({ key: validSelector, value: validSelector }, { requiredKeys: ['key'] }), {
  minLength: 1,
  maxLength: 8,
});

/** A match naming at least one selector: an HTTP rule's, or an Envoy rule's (a domain). */
const validMatch = fc.oneof(
  fc
    .record({ resource: validResource, tier: validSelector, clientId: validSelector }, { requiredKeys: [] })
    .filter((match) => Object.keys(match).length > 0),
  fc.record({ domain: validSelector, descriptors: validDescriptors }, { requiredKeys: ['domain'] }),
);

const validRuleFields = {
  name: validRuleName,
  description: fc.oneof(shortHostile(24), fc.constantFrom('', 'd'.repeat(500))),
  match: validMatch,
  algorithm: fc.constantFrom(...ALGORITHMS),
  limits: validLimits,
  enabled: fc.boolean(),
  shadow: fc.boolean(),
  priority: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.constantFrom(1_000_000, -1_000_000)),
  perResource: fc.boolean(),
};

const fuzzyRuleFields = {
  name: field(ruleName),
  description: field(fc.oneof(hostileString, edgeString)),
  match: field(
    fc.record(
      {
        resource: field(resource),
        tier: field(selectorText),
        clientId: field(selectorText),
        domain: field(selectorText),
        descriptors: field(
          fc.array(fc.record({ key: field(selectorText), value: field(selectorText) }, { requiredKeys: [] }), {
            maxLength: 9,
          }),
        ),
      },
      { requiredKeys: [] },
    ),
  ),
  algorithm: field(fc.constantFrom(...ALGORITHMS, 'SLIDING_WINDOW', 'leaky_bucket', '')),
  limits: field(fc.array(fuzzyLimit, { minLength: 0, maxLength: 6 })),
  enabled: field(fc.boolean()),
  shadow: field(fc.boolean()),
  priority: field(fc.oneof(validRuleFields.priority, fc.constantFrom(1_000_001, -1_000_001))),
  perResource: field(fc.boolean()),
};

function ruleBody() {
  const required = ['name', 'match', 'limits'];
  return fc.oneof(
    fc.record(validRuleFields, { requiredKeys: required }),
    fc.record(fuzzyRuleFields, { requiredKeys: required }),
  );
}

function rulePatch() {
  return fc.oneof(fc.record(validRuleFields, { requiredKeys: [] }), fc.record(fuzzyRuleFields, { requiredKeys: [] }));
}

function rollbackBody() {
  const version = field(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53) },
    ),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ version }) },
    { weight: 1, arbitrary: fc.record({ version, extra: hostileValue }, { requiredKeys: [] }) },
  );
}

function releaseBody() {
  return checkBody().chain((body) =>
    fc.record({ leaseId: field(fc.oneof(fc.constantFrom('abc:1', 'x'.repeat(128)), hostileString)) }).map((extra) => ({
      ...body,
      ...extra,
    })),
  );
}

const future = fc.integer({ min: 60_000, max: 10 ** 10 }).map((ms) => new Date(Date.now() + ms).toISOString());

function apiKeyBody() {
  const valid = {
    tier: validSelector,
    owner: fc.oneof(fc.constant(null), validSelector),
    description: fc.oneof(fc.constant(null), validSelector),
    enabled: fc.boolean(),
    expiresAt: fc.oneof(fc.constant(null), future),
  };
  const fuzzy = Object.fromEntries(Object.keys(valid).map((key) => [key, field(hostileValue)]));
  return fc.oneof(fc.record(valid, { requiredKeys: ['tier'] }), fc.record(fuzzy, { requiredKeys: [] }));
}

const accessTypes = ['clientId', 'apiKey', 'ip', 'route'];
const accessValue = fc.oneof(
  fc.constantFrom('acct_42', '203.0.113.0/24', '2001:db8::/48', '10.1.2.3', 'GET /v1/search'),
  fc.uuid(),
  hostileString,
);

function blockBody() {
  const valid = {
    type: fc.constantFrom('clientId', 'apiKey', 'ip'),
    value: accessValue,
    durationMs: fc.oneof(fc.integer({ min: 1_000, max: 3_600_000 }), fc.constantFrom(999, 0, 365 * 24 * 3_600_000 + 1)),
    reason: validSelector,
    publicReason: validSelector,
  };
  const fuzzy = Object.fromEntries(Object.keys(valid).map((key) => [key, field(hostileValue)]));
  return fc.oneof(
    fc.record(valid, { requiredKeys: ['type', 'value', 'durationMs', 'reason'] }),
    fc.record(fuzzy, { requiredKeys: [] }),
  );
}

function allowBody() {
  const valid = { type: fc.constantFrom(...accessTypes), value: accessValue, description: validSelector };
  const fuzzy = Object.fromEntries(Object.keys(valid).map((key) => [key, field(hostileValue)]));
  return fc.oneof(fc.record(valid, { requiredKeys: ['type', 'value'] }), fc.record(fuzzy, { requiredKeys: [] }));
}

function stateBody() {
  return fc.oneof(
    fc.record({ state: fc.constantFrom('NORMAL', 'DEGRADED'), reason: validSelector }, { requiredKeys: ['state'] }),
    fc.record({ state: field(hostileValue), reason: field(hostileValue) }, { requiredKeys: [] }),
  );
}

/** `limit`, `offset` and the route's own filters, mostly plausible. */
function pageQuery(filters) {
  return () =>
    fc
      .record(
        {
          limit: fc.oneof(fc.constantFrom('1', '20', '100', '101', '0', '-1'), hostileString),
          offset: fc.oneof(fc.constantFrom('0', '5'), hostileString),
          ...Object.fromEntries(filters.map((name) => [name, fc.oneof(validSelector, hostileString)])),
        },
        { requiredKeys: [] },
      )
      .map((params) => Object.entries(params));
}

function countersQuery() {
  return fc
    .record(
      {
        rule: fc.oneof(validRuleName, hostileString),
        clientId: fc.oneof(validSelector, hostileString),
        ip: fc.oneof(fc.constantFrom('203.0.113.7', '::1'), hostileString),
        resource: fc.oneof(validResource, hostileString),
      },
      { requiredKeys: [] },
    )
    .map((params) => Object.entries(params));
}

/** For routes without a model of their own yet: objects of hostile keys and values. */
export function anyObject() {
  return fc.dictionary(fc.oneof(fc.constantFrom('name', 'id', 'enabled', 'value'), hostileKey), hostileValue, {
    maxKeys: 5,
  });
}

function ruleListQuery() {
  // Mostly valid, so that the one free-text filter (`resource`, compared in the database) gets there.
  const count = (valid) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...valid) },
      { weight: 1, arbitrary: fc.constantFrom('101', '0', '-1', '1e2', '01', ' 1', '', '1000000000', '9'.repeat(30)) },
      { weight: 1, arbitrary: hostileString },
    );
  const text = (valid) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid) }, hostileString);
  return fc
    .record(
      {
        limit: count(['1', '20', '100']),
        offset: count(['0', '5', '999999999']),
        enabled: text(['true', 'false']),
        algorithm: text(ALGORITHMS),
        resource: fc.oneof(resource, shortHostile(8), shortHostile(8)),
      },
      { requiredKeys: ['resource'] },
    )
    .map((params) => Object.entries(params));
}

// ---------------------------------------------------------------------------------------------
// Cases: what one input is, by family
// ---------------------------------------------------------------------------------------------

/**
 * How a request authenticates. Every kind but `admin`, `admin-scheme-case` and `readonly` fails; on
 * admin routes those requests come from a fresh address each (`X-Forwarded-For`, the service
 * trusting loopback), so the lockout after repeated failures never refuses the valid ones.
 */
const AUTH_KINDS = [
  'admin',
  'admin-scheme-case',
  'readonly',
  'none',
  'empty',
  'wrong',
  'basic',
  'bearer-only',
  'token-suffix',
  'long',
];
const FAILING_AUTH = new Set(['none', 'empty', 'wrong', 'basic', 'bearer-only', 'token-suffix', 'long']);

/** Ids for `:param` segments. */
const idInput = fc.oneof(
  { weight: 2, arbitrary: fc.record({ pool: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ uuid: fc.uuid() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      text: fc.oneof(
        hostileString,
        fc.uuid().map((uuid) => uuid.toUpperCase()),
        fc
          .tuple(fc.uuid(), fc.constantFrom('{%}', '%\n', '% ', 'urn:uuid:%', '%0', '%.json', '%/', '%\u0000', '%%'))
          .map(([uuid, shape]) => shape.replace('%', uuid)),
        fc.integer({ min: 2000, max: 20_000 }).map((n) => 'a'.repeat(n)),
      ),
      encoding: fc.constantFrom('all', 'minimal'),
    }),
  },
);

/** Ids that name rules: seen ones, or random UUIDs (404). */
const knownId = fc.oneof({ weight: 3, arbitrary: fc.record({ pool: fc.nat(1000) }) }, fc.record({ uuid: fc.uuid() }));

/** Header values fetch can send: Latin-1, no CR, LF or NUL. */
const headerValue = fc.oneof(
  fc.string({
    unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((code) => {
      return String.fromCharCode(code);
    }),
    maxLength: 40,
  }),
  fc.constantFrom('', ' ', '*', '"', 'null', '\u00ff\u00fe'),
  fc.integer({ min: 1000, max: 12_000 }).map((n) => 'h'.repeat(n)),
);

const ifMatchValue = fc.oneof(
  fc.constantFrom('"1"', 'W/"1"', '*', '"0"', '1', '2', '"1", "2"', 'W/', '""', '"999999999"', '"1000000000"', '"-1"'),
  fc.constantFrom('"1.5"', ' "1" ', 'w/"1"', '"1', '1"', '0x1'),
  headerValue,
);

/** Headers any route may get, hostile or odd. */
const extraHeader = fc.oneof(
  fc.tuple(fc.constant('if-match'), ifMatchValue),
  fc.tuple(fc.constant('x-correlation-id'), headerValue),
  fc.tuple(
    fc.constant('x-forwarded-for'),
    fc.oneof(fc.constantFrom('1.2.3.4', '::1', '999.1.1.1', 'unknown'), headerValue),
  ),
  fc.tuple(fc.constant('accept'), fc.constantFrom('application/xml', '*/*', 'text/html', '', 'application/json;q=0')),
  fc.tuple(fc.constant('accept-encoding'), fc.constantFrom('gzip', 'br', 'identity;q=0', '*;q=0', 'x')),
  fc.tuple(fc.constant('content-encoding'), fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x')),
  fc.tuple(
    fc.constant('traceparent'),
    fc.oneof(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), headerValue),
  ),
  fc.tuple(fc.constant('x-api-key'), headerValue),
  fc.tuple(fc.constant('range'), fc.constantFrom('bytes=0-0', 'bytes=-1', 'x')),
  fc.tuple(fc.string({ unit: fc.constantFrom(...'abxz-_!#$&*+.^`|~09'), minLength: 1, maxLength: 24 }), headerValue),
);

/** A plausible body for `route` (valid or nearly), or none when it takes none. */
function plausibleBody(route) {
  return route.body === undefined ? fc.constant(undefined) : route.body().map((json) => ({ json }));
}

function paramCount(route) {
  return (route.path.match(/\/:[A-Za-z_]+/g) ?? []).length;
}

/** The ids of a route whose attack is elsewhere: ones the run has seen, or random UUIDs. */
function knownIds(route) {
  return fc.array(knownId, { minLength: paramCount(route), maxLength: paramCount(route) });
}

/** For routes that read `If-Match`: none mostly, else a version (often stale) or a malformed one. */
function ifMatchOf(route) {
  if (!route.ifMatch) return fc.constant(undefined);
  return fc.option(fc.oneof(fc.constantFrom('"1"', '"2"', '1', '*', 'W/"1"'), ifMatchValue), {
    freq: 3,
    nil: undefined,
  });
}

/** Valid admin credentials: on writes the read-only token only now and then (a 403 tests nothing deeper). */
function validAuth(route) {
  return route.access === 'write'
    ? fc.oneof({ weight: 19, arbitrary: fc.constant('admin') }, { weight: 1, arbitrary: fc.constant('readonly') })
    : fc.constantFrom('admin', 'readonly');
}

/** Raw JSON texts that are not what a route wants: invalid JSON, wrong top-level types, odd whitespace. */
const JSON_TEXTS = [
  '',
  ' ',
  '{',
  '}',
  '{}',
  '[]',
  '[{}]',
  'null',
  'true',
  '0',
  '-0',
  '1e400',
  '"clientId"',
  "{'clientId':'a'}",
  '{"clientId":"a",}',
  '{"clientId":"a"}//c',
  '/*c*/{"clientId":"a"}',
  '{"clientId" "a"}',
  '{"clientId":"a"}{"clientId":"b"}',
  '{"clientId":"a"} x',
  '{"clientId":"\\x41"}',
  '{"clientId":"\\u12"}',
  '{"clientId":"\\ud800"}',
  '{"clientId":"\\u0000"}',
  '{"clientId":"a\tb"}',
  '{"clientId":"a\u0001b"}',
  '\ufeff{"clientId":"a"}',
  '\u00a0{"clientId":"a"}',
  '\r\n{"clientId":"a"}\r\n',
  'undefined',
  'NaN',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
];

/** Number literals JSON.stringify never writes: beyond doubles, beyond 2^53, negative zero, exotic spellings. */
const NUMBER_LITERALS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '-0.0',
  '9007199254740993',
  '18446744073709551617',
  '1.0',
  '1E2',
  '0.1e1',
  '1.5',
  '01',
  '+1',
  '.5',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  '1_000',
];

/** Bodies as JSON text: keys duplicated, prototype keys, deep nesting, number literals, broken syntax. */
function jsonTextBody(route) {
  const base = route.body();
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.constantFrom(...JSON_TEXTS), fc.nat()).map(([json, text, cut]) => {
        // Either a canned text, or the plausible body cut short.
        const whole = JSON.stringify(json);
        return { text: cut % 3 === 0 ? whole.slice(0, cut % Math.max(1, whole.length)) : text };
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, hostileKey, hostileValue, fc.boolean())
        .map(([json, key, value, first]) => ({ text: withRawMember(json, key, value, first) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.boolean())
        .map(([json, key, nested]) => ({ text: withPrototypeKey(json, key, nested) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 500, max: 30_000 })), fc.boolean())
        .map(([json, depth, arrays]) => ({ text: withDeepValue(json, depth, arrays) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.constantFrom(...NUMBER_LITERALS))
        .map(([json, literal]) => ({ text: withNumberLiteral(json, literal) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.constantFrom('array', 'string', 'number', 'null', 'nested'))
        .map(([json, shape]) => ({ text: wrapped(json, shape) })),
    },
  );
}

/** The object's JSON with one more member (a duplicate key, a hostile one) first or last, written raw. */
function withRawMember(json, key, value, first) {
  const member = `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`;
  const keys = isPlainObject(json) ? Object.keys(json) : [];
  // A duplicate of an existing key when there is one: JSON.parse keeps the last.
  const duplicate =
    keys.length > 0 && key.length % 2 === 0 ? `${JSON.stringify(keys[0])}:${JSON.stringify(value) ?? 1}` : member;
  const inner = JSON.stringify(json).slice(1, -1);
  if (inner === '') return `{${duplicate}}`;
  return first ? `{${duplicate},${inner}}` : `{${inner},${duplicate}}`;
}

/** `__proto__`, `constructor` or `prototype` as a key at the top or inside the first nested object. */
function withPrototypeKey(json, key, nested) {
  const member = `${JSON.stringify(key)}:{"admin":true,"enabled":false,"limit":0}`;
  const text = JSON.stringify(json);
  if (nested) {
    const at = text.indexOf('{', 1);
    if (at > 0) return `${text.slice(0, at + 1)}${member}${text[at + 1] === '}' ? '' : ','}${text.slice(at + 1)}`;
  }
  return text === '{}' ? `{${member}}` : `{${member},${text.slice(1)}`;
}

/** The first member's value replaced by `depth` nested arrays or objects. */
function withDeepValue(json, depth, arrays) {
  const deep = arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const keys = isPlainObject(json) ? Object.keys(json) : [];
  const key = keys[0] ?? 'clientId';
  const rest = JSON.stringify(isPlainObject(json) ? { ...json, [key]: undefined } : {}).slice(1, -1);
  return `{${JSON.stringify(key)}:${deep}${rest === '' ? '' : `,${rest}`}}`;
}

/** The first number in the body replaced by a raw literal (or one added as a member when there is none). */
function withNumberLiteral(json, literal) {
  const text = JSON.stringify(json);
  const match = /:(-?\d[\d.eE+-]*)/.exec(text);
  if (match === null) return text === '{}' ? `{"cost":${literal}}` : `{"cost":${literal},${text.slice(1)}`;
  return `${text.slice(0, match.index + 1)}${literal}${text.slice(match.index + match[0].length)}`;
}

function wrapped(json, shape) {
  const text = JSON.stringify(json);
  switch (shape) {
    case 'array':
      return `[${text}]`;
    case 'string':
      return JSON.stringify(text);
    case 'number':
      return '42';
    case 'null':
      return 'null';
    default:
      return `{"body":${text}}`;
  }
}

/** Where a sized body lands relative to the limit (bytes). */
const SIZE_TARGETS = ['limit-1', 'limit', 'limit+1', 'limit+4096', '2*limit', 'small'];

/**
 * A plausible body grown to a size near BODY_LIMIT_BYTES: with whitespace (still valid JSON, so a
 * valid body just under the limit must pass), inside a string field, as an unknown member, or as
 * many array items.
 */
function sizedBody(route) {
  return fc
    .record({
      json: route.body(),
      target: fc.constantFrom(...SIZE_TARGETS),
      small: fc.integer({ min: 0, max: 2000 }),
      pad: fc.constantFrom('whitespace', 'whitespace', 'string', 'member', 'array'),
      unit: fc.constantFrom('a', ' ', 'é', '😀', '\\u0000', '\\ud800'),
    })
    .map((sized) => ({ sized }));
}

/** Content types a JSON API must refuse, or accept despite odd spelling, and charsets that lie. */
const CONTENT_TYPES = [
  null,
  '',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-16',
  'application/json; charset=utf-16le',
  'application/json; charset=iso-8859-1',
  'application/json; charset=ascii',
  'application/json; charset="utf-8"',
  'application/json; charset=',
  'application/json; charset=nonsense',
  'application/json; boundary=x',
  'APPLICATION/JSON',
  'Application/Json',
  'application/json ',
  'application/jsonp',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/json',
  'application/octet-stream',
  '*/*',
  'json',
  ';',
  'application/',
  '/json',
  'application/json, text/plain',
  `application/json; ${'x'.repeat(2000)}=y`,
];

/** Bodies in other encodings than the content type claims, or not JSON at all. */
function encodedBody(route) {
  return fc.oneof(
    { weight: 3, arbitrary: plausibleBody(route) },
    fc.constantFrom(
      { text: 'clientId=a&resource=x&cost=1' },
      { text: 'hello' },
      { text: '------x\r\nContent-Disposition: form-data; name="clientId"\r\n\r\na\r\n------x--\r\n' },
    ),
    route.body().map((json) => ({ utf16: JSON.stringify(json) })),
    route.body().map((json) => ({ latin1: JSON.stringify(json) })),
    fc
      .tuple(route.body(), fc.constantFrom('c328', 'ff', 'c0af', 'eda080', 'f4908080', 'e282', 'fe'))
      .map(([json, hex]) => ({ invalidUtf8: { json, hex } })),
  );
}

/** Protocol-level oddities, sent over a raw socket (fetch cannot send them). */
const protocolTweak = fc.oneof(
  fc.record({ kind: fc.constant('chunked'), chunk: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('expect-continue') }),
  fc.record({ kind: fc.constant('http10') }),
  fc.record({ kind: fc.constant('short-length'), by: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ kind: fc.constant('long-length'), by: fc.integer({ min: 1, max: 100_000 }) }),
  fc.record({ kind: fc.constant('length-and-chunked') }),
  fc.record({ kind: fc.constant('two-lengths'), other: fc.nat(100) }),
  fc.record({
    kind: fc.constant('bad-chunk'),
    size: fc.constantFrom('zz', '-1', 'ffffffffffffffffff', `1;${'x'.repeat(10_000)}`, '', '0x10', ' 5'),
  }),
  fc.record({
    kind: fc.constant('header-bytes'),
    header: fc.constantFrom('authorization', 'content-type', 'x-correlation-id', 'if-match', 'x-custom'),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('huge-header'), size: fc.integer({ min: 8000, max: 40_000 }) }),
  fc.record({ kind: fc.constant('many-headers'), count: fc.integer({ min: 100, max: 3000 }) }),
  fc.record({
    kind: fc.constant('duplicate-header'),
    header: fc.constantFrom('content-type', 'authorization', 'host', 'if-match', 'x-correlation-id'),
  }),
  fc.record({ kind: fc.constant('no-host') }),
  fc.record({ kind: fc.constant('lf-only') }),
  fc.record({ kind: fc.constant('obs-fold') }),
  fc.record({
    kind: fc.constant('method'),
    method: fc.constantFrom('get', 'FOO', 'TRACE', 'OPTIONS', 'HEAD', 'PUT', 'PROPFIND', 'M-SEARCH', 'CONNECT'),
  }),
  fc.record({
    kind: fc.constant('target'),
    target: fc.constantFrom(
      'absolute',
      'asterisk',
      'dot-segments',
      'double-slash',
      'backslash',
      'fragment',
      'no-slash',
    ),
  }),
  fc.record({ kind: fc.constant('raw-path-bytes'), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('body-bytes'), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('pipelined'), twice: fc.boolean() }),
);

/**
 * Tweaks that break HTTP itself: the server may close the connection without answering. Every
 * other request must get an answer.
 */
const MAY_CLOSE = new Set([
  'long-length',
  'length-and-chunked',
  'two-lengths',
  'bad-chunk',
  'header-bytes',
  'huge-header',
  'many-headers',
  'no-host',
  'lf-only',
  'obs-fold',
  'method',
  'target',
  'raw-path-bytes',
  'duplicate-header',
]);

/**
 * The input families. Each applies to the routes `appliesTo` accepts and turns a route into the
 * arbitrary of its cases; `weight` (a number, or a function of the route) is its share of a
 * route's inputs.
 */
export const FAMILIES = [
  {
    name: 'fields',
    weight: 3,
    appliesTo: (route) => route.body !== undefined,
    cases: (route) =>
      fc.record({
        auth: validAuth(route),
        ids: knownIds(route),
        ifMatch: ifMatchOf(route),
        body: plausibleBody(route),
      }),
  },
  {
    name: 'json-text',
    weight: 2,
    appliesTo: (route) => route.body !== undefined,
    cases: (route) => fc.record({ auth: validAuth(route), ids: knownIds(route), body: jsonTextBody(route) }),
  },
  {
    name: 'size',
    weight: 1,
    appliesTo: (route) => route.body !== undefined,
    cases: (route) => fc.record({ auth: fc.constant('admin'), ids: knownIds(route), body: sizedBody(route) }),
  },
  {
    name: 'content-type',
    weight: 1,
    appliesTo: (route) => route.body !== undefined,
    cases: (route) =>
      fc.record({
        auth: fc.constant('admin'),
        ids: knownIds(route),
        body: fc.option(encodedBody(route), { freq: 8, nil: undefined }),
        contentType: fc.constantFrom(...CONTENT_TYPES),
      }),
  },
  {
    name: 'id',
    weight: 2,
    appliesTo: (route) => paramCount(route) > 0,
    cases: (route) =>
      fc.record({
        auth: validAuth(route),
        ids: fc.array(idInput, { minLength: paramCount(route), maxLength: paramCount(route) }),
        ifMatch: ifMatchOf(route),
        body: plausibleBody(route),
      }),
  },
  {
    name: 'query',
    // Routes that read a query string get more of these.
    weight: (route) => (route.query === undefined ? 1 : 4),
    appliesTo: () => true,
    cases: (route) =>
      fc.record({
        auth: validAuth(route),
        ids: knownIds(route),
        body: plausibleBody(route),
        query: fc.record({
          params: fc.oneof(
            { weight: 3, arbitrary: route.query === undefined ? fc.constant([]) : route.query() },
            { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, hostileString), { maxLength: 4 }) },
            {
              // Known parameters, repeated.
              weight: 1,
              arbitrary: fc.array(fc.tuple(fc.constantFrom('limit', 'offset', 'enabled', 'resource'), hostileString), {
                minLength: 2,
                maxLength: 4,
              }),
            },
          ),
          encoding: fc.constantFrom('all', 'minimal', 'all', 'minimal', 'broken'),
        }),
      }),
  },
  {
    name: 'headers',
    weight: 2,
    appliesTo: () => true,
    cases: (route) =>
      fc.record({
        auth: fc.constantFrom(...AUTH_KINDS),
        ids: knownIds(route),
        body: plausibleBody(route),
        headers: fc.array(extraHeader, { maxLength: 4 }),
      }),
  },
  {
    name: 'protocol',
    weight: 1,
    appliesTo: () => true,
    cases: (route) =>
      fc.record({
        auth: fc.constantFrom('admin', 'admin', 'wrong'),
        ids: knownIds(route),
        body: plausibleBody(route),
        protocol: protocolTweak,
      }),
  },
];

/**
 * The run's cells: every family of every route, with its share of `totalRuns` (at least `minRuns`
 * each) and the arbitrary of its cases, printed in counterexamples as the request they stand for.
 */
export function cellsOf(routes, totalRuns, { minRuns = 2 } = {}) {
  const pairs = routes.flatMap((route) =>
    FAMILIES.filter((family) => family.appliesTo(route)).map((family) => ({ route, family })),
  );
  const weightOf = ({ route, family }) =>
    (route.weight ?? 1) * (typeof family.weight === 'function' ? family.weight(route) : family.weight);
  const totalWeight = pairs.reduce((sum, pair) => sum + weightOf(pair), 0);
  const shares = pairs.map((pair) => (totalRuns * weightOf(pair)) / totalWeight);
  // Largest remainders: the cells' runs add up to `totalRuns` exactly (unless `minRuns` adds some).
  const runs = shares.map(Math.floor);
  const byRemainder = shares.map((share, i) => [share - runs[i], i]).sort((a, b) => b[0] - a[0]);
  for (let left = totalRuns - runs.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++) runs[byRemainder[k][1]]++;
  return pairs.map(({ route, family }, i) => ({
    name: `${routeLabel(route)} [${family.name}]`,
    route,
    family: family.name,
    runs: Math.max(minRuns, runs[i]),
    cases: family.cases(route).map((kase) => describedCase(route, kase)),
  }));
}

/** The case, printed by fast-check as a one-line summary of the request (the full one is in the error). */
function describedCase(route, kase) {
  return Object.defineProperty({ ...kase }, fc.toStringMethod, {
    value: () => summarize(route, kase),
    enumerable: false,
  });
}

function summarize(route, kase) {
  const parts = [routeLabel(route), `auth=${kase.auth}`];
  if (kase.ids?.length) parts.push(`ids=${JSON.stringify(kase.ids)}`);
  if (kase.ifMatch !== undefined) parts.push(`ifMatch=${JSON.stringify(kase.ifMatch)}`);
  if (kase.query) parts.push(`query=${clip(JSON.stringify(kase.query), 300)}`);
  if (kase.headers?.length) parts.push(`headers=${clip(JSON.stringify(kase.headers), 300)}`);
  if (kase.contentType !== undefined) parts.push(`contentType=${JSON.stringify(kase.contentType)}`);
  if (kase.protocol) parts.push(`protocol=${clip(JSON.stringify(kase.protocol, bytesAsHex), 200)}`);
  if (kase.body !== undefined) parts.push(`body=${clip(folded(JSON.stringify(kase.body, bytesAsHex)), 600)}`);
  return parts.join(' ');
}

function bytesAsHex(_key, value) {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
}

/** `text` with runs of a repeated piece written once with their count (`«[»×1350`), for reading. */
function folded(text) {
  return text.replace(/(.{1,8}?)\1{4,}/gs, (run, piece) => `«${piece}»×${run.length / piece.length}`);
}

function clip(text, max) {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

// ---------------------------------------------------------------------------------------------
// From a case to bytes on the wire
// ---------------------------------------------------------------------------------------------

/**
 * What a run talks to, and what it learnt: the ids seen per collection, the fresh client addresses
 * of failing logins, and the validator rules are checked with.
 *
 * @param {object} options
 * @param {string} options.url the service, `http://127.0.0.1:<port>`
 * @param {string} options.adminToken
 * @param {string} options.readonlyToken
 * @param {number} options.bodyLimit BODY_LIMIT_BYTES of the service
 * @param {Function} options.validateRuleBody the service's own validator (from src/rules or dist/rules)
 * @param {number} [options.timeoutMs] how long one request may take (10 s)
 * @param {() => Promise<string | undefined>} [options.serverError] the service's last logged error,
 *   added to the report of a 5xx
 */
export function createContext(options) {
  return {
    timeoutMs: 10_000,
    ...options,
    pools: new Map(),
    addresses: 0,
    /** Requests sent, including shrinking, and their statuses (`none` when unanswered). */
    statuses: new Map(),
  };
}

/** The collection a route's ids belong to: its path up to its first `:param`. */
function collectionOf(route) {
  const at = route.path.indexOf('/:');
  return at < 0 ? route.path : route.path.slice(0, at);
}

function poolOf(ctx, collection) {
  let pool = ctx.pools.get(collection);
  if (pool === undefined) ctx.pools.set(collection, (pool = []));
  return pool;
}

const POOL_SIZE = 500;

/** Remembers the ids an answer names (`id`, `items[].id`), for later cases of the same collection. */
function learnIds(ctx, route, body) {
  if (!isPlainObject(body)) return;
  const pool = poolOf(ctx, collectionOf(route));
  const ids = [body.id, ...(Array.isArray(body.items) ? body.items.map((item) => item?.id) : [])];
  for (const id of ids) {
    if (typeof id !== 'string' || pool.includes(id)) continue;
    pool.push(id);
    if (pool.length > POOL_SIZE) pool.shift();
  }
}

/** A fresh private address per failing login, so the failure lockout never builds up. */
function freshAddress(ctx) {
  const n = ctx.addresses++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Percent-encodes `text` as UTF-8, keeping ASCII characters `keep` accepts; a lone surrogate becomes its 3 bytes (not UTF-8). */
function percentEncode(text, keep) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80 && keep.test(text[i])) {
      out += text[i];
      continue;
    }
    let point = unit;
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    for (const byte of utf8Bytes(point)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function utf8Bytes(point) {
  if (point < 0x80) return [point];
  if (point < 0x800) return [0xc0 | (point >> 6), 0x80 | (point & 63)];
  if (point < 0x10000) return [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 63), 0x80 | (point & 63)];
  return [0xf0 | (point >> 18), 0x80 | ((point >> 12) & 63), 0x80 | ((point >> 6) & 63), 0x80 | (point & 63)];
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
/** What a path segment or query value may hold raw: glob and Redis syntax (`*`, `:`, `[`, `{`) stay as they are. */
const SUB_DELIMS = /[A-Za-z0-9\-._~!$'()*,;:@[\]{}|^]/;

function encodeId(ctx, collection, input) {
  if (input.pool !== undefined) {
    const pool = poolOf(ctx, collection);
    if (pool.length > 0) return pool[input.pool % pool.length];
    return `00000000-0000-4000-8000-${String(input.pool).padStart(12, '0')}`;
  }
  if (input.uuid !== undefined) return input.uuid;
  return percentEncode(input.text, input.encoding === 'all' ? UNRESERVED : SUB_DELIMS);
}

function encodeQuery({ params, encoding }) {
  const keep = encoding === 'all' ? UNRESERVED : /[A-Za-z0-9\-._~!$'()*,;:@[\]{}|^/?]/;
  const pairs = params.map(([name, value]) => `${percentEncode(name, keep)}=${percentEncode(value, keep)}`);
  // Broken escapes the decoder must refuse or keep: a lone %, a bad hex digit, a cut UTF-8 sequence.
  if (encoding === 'broken') pairs.push('x=%', 'y=%zz', 'z=%E0%A4%A', '%=1', '&&=');
  return pairs.join('&');
}

function authorization(ctx, kind) {
  switch (kind) {
    case 'admin':
      return `Bearer ${ctx.adminToken}`;
    case 'admin-scheme-case':
      return `bEARER   ${ctx.adminToken}  `;
    case 'readonly':
      return `Bearer ${ctx.readonlyToken}`;
    case 'none':
      return undefined;
    case 'empty':
      return '';
    case 'wrong':
      return 'Bearer not-the-token-0123456789';
    case 'basic':
      return `Basic ${Buffer.from(`admin:${ctx.adminToken}`).toString('base64')}`;
    case 'bearer-only':
      return 'Bearer';
    case 'token-suffix':
      return `Bearer ${ctx.adminToken}x`;
    default:
      return `Bearer ${'t'.repeat(8192)}`;
  }
}

/** The body's bytes. */
function encodeBody(ctx, body) {
  if (body === undefined) return undefined;
  if ('json' in body) return Buffer.from(JSON.stringify(body.json) ?? 'null', 'utf8');
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  if ('utf16' in body) return Buffer.from(body.utf16, 'utf16le');
  if ('latin1' in body) return Buffer.from(body.latin1, 'latin1');
  if ('invalidUtf8' in body) {
    // Raw bytes that are not UTF-8 inside the first string value of the body.
    const text = JSON.stringify(body.invalidUtf8.json);
    const at = text.indexOf(':"');
    const bytes = Buffer.from(body.invalidUtf8.hex, 'hex');
    if (at < 0) return Buffer.concat([Buffer.from('{"clientId":"'), bytes, Buffer.from('"}')]);
    return Buffer.concat([Buffer.from(text.slice(0, at + 2)), bytes, Buffer.from(text.slice(at + 2))]);
  }
  return sizedBytes(ctx.bodyLimit, body.sized);
}

function sizedBytes(limit, { json, target, small, pad, unit }) {
  const size =
    { 'limit-1': limit - 1, limit, 'limit+1': limit + 1, 'limit+4096': limit + 4096, '2*limit': 2 * limit }[target] ??
    small;
  const base = JSON.stringify(json) ?? 'null';
  const object = base.startsWith('{') && base.length > 2;
  const filler = (bytes) => {
    // `unit` is a JSON escape or a character; repeat it up to `bytes` bytes, then plain letters.
    const one = Buffer.byteLength(unit);
    return unit.repeat(Math.floor(bytes / one)) + 'a'.repeat(bytes % one);
  };
  let text;
  switch (pad) {
    case 'string': {
      const match = /:"/.exec(base);
      if (match === null) return fitted(base, size);
      const room = size - Buffer.byteLength(base);
      text = room > 0 ? `${base.slice(0, match.index + 2)}${filler(room)}${base.slice(match.index + 2)}` : base;
      break;
    }
    case 'member': {
      const open = `{"pad":"`;
      const close = object ? `",${base.slice(1)}` : `"}`;
      const room = size - Buffer.byteLength(open + close);
      text = `${open}${room > 0 ? filler(room) : ''}${close}`;
      break;
    }
    case 'array': {
      const item = '{"limit":1,"windowMs":1000},';
      const head = '{"limits":[';
      const tail = object ? `{}],${base.slice(1)}` : '{}]}';
      const room = Math.max(0, size - Buffer.byteLength(head + tail));
      text = `${head}${item.repeat(Math.floor(room / item.length))}${' '.repeat(room % item.length)}${tail}`;
      break;
    }
    default:
      return fitted(base, size);
  }
  return fitted(text, size);
}

/** `text` padded with JSON whitespace after its first character (or cut) to exactly `size` bytes. */
function fitted(text, size) {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length >= size) return bytes.subarray(0, Math.max(0, size));
  const first = bytes.subarray(0, 1);
  return Buffer.concat([first, Buffer.alloc(size - bytes.length, ' '), bytes.subarray(1)]);
}

/**
 * The request a case stands for: method, path (already percent-encoded), headers, body bytes, and
 * how to send it.
 */
export function buildRequest(ctx, route, kase) {
  const collection = collectionOf(route);
  let index = 0;
  let path = route.path.replace(/:[A-Za-z_]+/g, () => encodeId(ctx, collection, kase.ids[index++]));
  if (kase.query !== undefined) path += `?${encodeQuery(kase.query)}`;
  const headers = [];
  const auth = route.access === 'public' && !kase.headers ? undefined : authorization(ctx, kase.auth);
  if (auth !== undefined) headers.push(['authorization', auth]);
  const extra = [...(kase.ifMatch === undefined ? [] : [['if-match', kase.ifMatch]]), ...(kase.headers ?? [])];
  if (route.access !== 'public' && FAILING_AUTH.has(kase.auth)) {
    // The service trusts loopback's X-Forwarded-For: its right-most hop is the client.
    const given = extra.findIndex(([name]) => name === 'x-forwarded-for');
    const address = freshAddress(ctx);
    if (given >= 0) extra[given] = ['x-forwarded-for', `${extra[given][1]}, ${address}`];
    else extra.push(['x-forwarded-for', address]);
  }
  const body = encodeBody(ctx, kase.body);
  const contentType =
    kase.contentType !== undefined ? kase.contentType : body === undefined ? null : 'application/json';
  if (contentType !== null) headers.push(['content-type', contentType]);
  headers.push(...extra);
  return { method: route.method, path, headers, body, protocol: kase.protocol };
}

// ---------------------------------------------------------------------------------------------
// Sending, and reading answers
// ---------------------------------------------------------------------------------------------

/**
 * Sends the request and returns every answer it got (`answers`, each `{ status, headers, body }`),
 * or why it got none (`error`). Plain requests go through fetch; protocol tweaks over a socket.
 */
export async function send(ctx, request) {
  if (request.protocol !== undefined) return sendRaw(ctx, rawRequest(ctx, request));
  try {
    const res = await fetch(`${ctx.url}${request.path}`, {
      method: request.method,
      // Pairs, not an object: a header given twice is sent twice.
      headers: request.headers.map(([name, value]) => [name, value]),
      body: request.body,
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { answers: [{ status: res.status, headers: Object.fromEntries(res.headers), body }] };
  } catch (error) {
    return { answers: [], error: describeError(error) };
  }
}

function describeError(error) {
  const cause = error?.cause;
  return [error?.name, error?.message, cause?.code, cause?.message].filter(Boolean).join(': ');
}

/** The request's bytes, with its protocol tweak applied. */
function rawRequest(ctx, request) {
  const tweak = request.protocol;
  const host = new URL(ctx.url).host;
  let method = request.method;
  let target = request.path;
  let version = 'HTTP/1.1';
  let body = request.body ?? Buffer.alloc(0);
  let eol = '\r\n';
  let halfClose = false;
  const headers = [['host', host], ['connection', 'close'], ...request.headers];
  let framing = [['content-length', String(body.length)]];
  const rawHeaders = [];
  switch (tweak.kind) {
    case 'chunked':
      framing = [['transfer-encoding', 'chunked']];
      body = chunked(body, tweak.chunk);
      break;
    case 'expect-continue':
      headers.push(['expect', '100-continue']);
      break;
    case 'http10':
      version = 'HTTP/1.0';
      headers.splice(0, 1);
      break;
    case 'short-length':
      framing = [['content-length', String(Math.max(0, body.length - tweak.by))]];
      break;
    case 'long-length':
      framing = [['content-length', String(body.length + tweak.by)]];
      halfClose = true;
      break;
    case 'length-and-chunked':
      framing = [
        ['content-length', String(body.length)],
        ['transfer-encoding', 'chunked'],
      ];
      break;
    case 'two-lengths':
      framing = [
        ['content-length', String(body.length)],
        ['content-length', String(tweak.other)],
      ];
      break;
    case 'bad-chunk':
      framing = [['transfer-encoding', 'chunked']];
      body = Buffer.concat([Buffer.from(`${tweak.size}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
      break;
    case 'header-bytes':
      rawHeaders.push(Buffer.concat([Buffer.from(`${tweak.header}: a`), Buffer.from(tweak.bytes), Buffer.from('b')]));
      break;
    case 'huge-header':
      headers.push(['x-huge', 'h'.repeat(tweak.size)]);
      break;
    case 'many-headers':
      for (let i = 0; i < tweak.count; i++) headers.push([`x-h${i}`, 'v']);
      break;
    case 'duplicate-header': {
      const values = { 'content-type': 'text/plain', authorization: 'Bearer wrong-token-0123456789', host: 'evil' };
      headers.push([tweak.header, values[tweak.header] ?? '"2"']);
      break;
    }
    case 'no-host':
      headers.splice(0, 1);
      break;
    case 'lf-only':
      eol = '\n';
      break;
    case 'obs-fold':
      rawHeaders.push(Buffer.from('x-folded: a\r\n b'));
      break;
    case 'method':
      method = tweak.method;
      break;
    case 'target':
      target = {
        absolute: `http://evil.example${target}`,
        asterisk: '*',
        'dot-segments': `/v1/../v1/./admin/../${target.slice(4)}`,
        'double-slash': `/${target}`,
        backslash: target.replace(/\//g, '\\'),
        fragment: `${target}#frag`,
        'no-slash': target.slice(1),
      }[tweak.target];
      break;
    case 'raw-path-bytes':
      target = Buffer.concat([Buffer.from(`${target}/`), Buffer.from(tweak.bytes)]);
      break;
    case 'body-bytes':
      body = Buffer.from(tweak.bytes);
      framing = [['content-length', String(body.length)]];
      break;
    case 'pipelined':
      break;
  }
  const line = (name, value) => Buffer.from(`${name}: ${value}${eol}`, 'latin1');
  const head = Buffer.concat([
    Buffer.from(`${method} `, 'latin1'),
    Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
    Buffer.from(` ${version}${eol}`, 'latin1'),
    ...headers.map(([name, value]) => line(name, value)),
    ...framing.map(([name, value]) => line(name, value)),
    ...rawHeaders.map((raw) => Buffer.concat([raw, Buffer.from(eol)])),
    Buffer.from(eol),
  ]);
  let bytes = Buffer.concat([head, body]);
  if (tweak.kind === 'pipelined') {
    // The same request twice on one connection (the first one kept alive), the second maybe cut short.
    const first = Buffer.from(
      bytes.toString('latin1').replace('connection: close', 'connection: keep-alive'),
      'latin1',
    );
    bytes = Buffer.concat([first, tweak.twice ? bytes : bytes.subarray(0, Math.floor(bytes.length / 2))]);
    halfClose = !tweak.twice;
  }
  return { bytes, halfClose, mayClose: MAY_CLOSE.has(tweak.kind), head: method === 'HEAD' };
}

function chunked(body, size) {
  const parts = [];
  for (let at = 0; at < body.length; at += size) {
    const chunk = body.subarray(at, at + size);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Writes the bytes on a fresh connection and reads until the server closes it (or the timeout). */
function sendRaw(ctx, raw) {
  const { hostname, port } = new URL(ctx.url);
  return new Promise((resolve) => {
    const chunks = [];
    let settled = false;
    const socket = net.connect({ host: hostname, port: Number(port) });
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const { answers, problem } = parseAnswers(Buffer.concat(chunks), raw.head);
      const received = Buffer.concat(chunks).length;
      const reason = problem ?? (error ? describeError(error) : undefined);
      resolve({
        answers,
        raw: raw.bytes,
        mayClose: raw.mayClose,
        ...(answers.length === 0
          ? { error: reason ?? (received === 0 ? 'closed without answering' : 'no answer') }
          : {}),
        ...(problem !== undefined && answers.length > 0 ? { error: problem } : {}),
      });
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${ctx.timeoutMs} ms`)), ctx.timeoutMs);
    socket.on('connect', () => {
      socket.write(raw.bytes);
      if (raw.halfClose) socket.end();
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    // A reset after the answer was read is the server closing a broken connection: not an error.
    socket.on('error', (error) => finish(chunks.length > 0 ? undefined : error));
  });
}

/** Splits what a server wrote into its final answers (1xx skipped); `problem` when it is not HTTP. */
function parseAnswers(data, head) {
  const answers = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0)
      return {
        answers,
        problem: `an incomplete answer: ${clip(JSON.stringify(data.subarray(at).toString('latin1')), 200)}`,
      };
    const [statusLine, ...lines] = data.subarray(at, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (match === null) return { answers, problem: `not an HTTP answer: ${clip(JSON.stringify(statusLine), 200)}` };
    const status = Number(match[1]);
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = end + 4;
    let body = Buffer.alloc(0);
    // The answer to a HEAD has its GET's headers, Content-Length included, and no body.
    if (status >= 200 && status !== 204 && status !== 304 && !head) {
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const parts = [];
        for (;;) {
          const lineEnd = data.indexOf('\r\n', at);
          if (lineEnd < 0) return { answers, problem: 'a chunked answer cut short' };
          const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
          at = lineEnd + 2;
          if (!(size > 0)) {
            at = data.indexOf('\r\n', at) + 2 || data.length;
            break;
          }
          parts.push(data.subarray(at, at + size));
          at += size + 2;
        }
        body = Buffer.concat(parts);
      } else if (headers['content-length'] !== undefined) {
        const length = Number(headers['content-length']);
        body = data.subarray(at, at + length);
        at += length;
      } else {
        body = data.subarray(at);
        at = data.length;
      }
    }
    if (status >= 200) answers.push({ status, headers, body });
  }
  return { answers };
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Rule fields the service adds to a body: not part of what `validateRuleBody` checks. */
const SERVER_FIELDS = ['id', 'version', 'createdAt', 'updatedAt', 'rulesVersion'];

/**
 * What is wrong with a rule as the API shows it, `[]` when nothing: its body must pass the service's
 * own validator (`validateRuleBody(body, 'create')`) and already be in its stored form (every
 * default applied, nothing extra), and its id, version and times must be well formed.
 */
export function ruleProblems(rule, validateRuleBody) {
  if (!isPlainObject(rule)) return [`is not an object: ${clip(JSON.stringify(rule), 200)}`];
  const problems = [];
  if (typeof rule.id !== 'string' || !UUID.test(rule.id)) problems.push(`id ${JSON.stringify(rule.id)} is not a UUID`);
  if (!Number.isInteger(rule.version) || rule.version < 1) problems.push(`version ${rule.version} is not >= 1`);
  for (const time of ['createdAt', 'updatedAt']) {
    if (typeof rule[time] !== 'string' || !ISO_TIME.test(rule[time])) problems.push(`${time} is not an ISO time`);
  }
  const body = Object.fromEntries(Object.entries(rule).filter(([key]) => !SERVER_FIELDS.includes(key)));
  const result = validateRuleBody(body, 'create');
  if (result.errors !== undefined) {
    problems.push(...result.errors.map((error) => `${error.field} ${error.reason}`));
  } else if (canonical(result.value) !== canonical(body)) {
    problems.push(
      `is not in its stored form: ${clip(canonical(body), 400)} validates to ${clip(canonical(result.value), 400)}`,
    );
  }
  return problems;
}

/** JSON with sorted keys, for comparing objects whatever their key order. */
function canonical(value) {
  return JSON.stringify(value, (_key, v) =>
    isPlainObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** The error body's problems, `[]` when it has the shape every 4xx must have. */
function errorShapeProblems(status, body, inputError) {
  if (!isPlainObject(body)) return ['the body is not a JSON object'];
  const problems = [];
  if (body.statusCode !== status) problems.push(`statusCode is ${JSON.stringify(body.statusCode)}, not ${status}`);
  if (typeof body.error !== 'string' || body.error === '') problems.push('error is not a non-empty string');
  if (typeof body.message !== 'string') problems.push('message is not a string');
  if (inputError) {
    if (typeof body.field !== 'string' || typeof body.reason !== 'string') problems.push('field or reason is missing');
    const errors = body.errors;
    if (!Array.isArray(errors) || errors.length === 0) problems.push('errors is not a non-empty array');
    else if (!errors.every((e) => isPlainObject(e) && typeof e.field === 'string' && typeof e.reason === 'string')) {
      problems.push('an item of errors is not { field, reason }');
    } else if (errors[0].field !== body.field || errors[0].reason !== body.reason) {
      problems.push('field and reason are not the first of errors');
    }
  }
  return problems;
}

/**
 * 400s that no route produced: the HTTP parser refusing the request itself (Fastify's `Client
 * Error`). They have the error shape but no field: counted (`ctx.statuses`), not failed. (A path the
 * router cannot decode gets the service's own body, naming `path`: checked like any other 400.)
 */
function isProtocolError(body) {
  return isPlainObject(body) && body.message === 'Client Error';
}

/** The properties one answer must have; the first broken one, or undefined. */
function answerProblem(ctx, route, request, answer, tally) {
  const { status } = answer;
  if (status >= 500) return `answered ${status}`;
  // A HEAD is answered without a body, whatever its status: nothing more to check.
  if (request.protocol?.method === 'HEAD') return undefined;
  const json = /json/i.test(answer.headers['content-type'] ?? '') ? parseJson(answer.body) : undefined;
  if (status >= 400) {
    if (status === 429 && route.decision429 && isPlainObject(json) && json.allowed === false) return undefined;
    if (status === 400 && isProtocolError(json)) {
      tally('protocol-400');
      return undefined;
    }
    if (request.protocol !== undefined && MAY_CLOSE.has(request.protocol.kind) && answer.body.length === 0) {
      // Node's HTTP parser refusing a request that is not HTTP, before any route: a bare status line.
      tally(`bare-${status}`);
      return undefined;
    }
    const inputError = status === 400 || status === 413;
    const problems = errorShapeProblems(status, json, inputError);
    if (problems.length > 0) {
      return `answered ${status} without the error shape (${problems.join('; ')}): ${clip(answer.body.toString('utf8'), 500)}`;
    }
    return undefined;
  }
  if (status >= 200 && status < 300 && status !== 204) {
    if (json === undefined)
      return `answered ${status} with a body that is not JSON: ${clip(answer.body.toString('utf8'), 200)}`;
    learnIds(ctx, route, json);
    if (route.answersRule) {
      const problems = ruleProblems(json, ctx.validateRuleBody);
      if (problems.length > 0) return `answered ${status} with an invalid rule: ${problems.join('; ')}`;
    }
  }
  return undefined;
}

function parseJson(bytes) {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function increment(counts, key) {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Sends one case and returns what is wrong with how it was answered, or undefined. Answers are
 * counted by status in `ctx.statuses`, and in `counts` when given.
 */
export async function checkCase(ctx, route, kase, counts) {
  const tally = (key) => {
    increment(ctx.statuses, key);
    if (counts !== undefined) increment(counts, key);
  };
  const request = buildRequest(ctx, route, kase);
  const result = await send(ctx, request);
  for (const answer of result.answers) tally(String(answer.status));
  if (result.answers.length === 0) tally('none');
  const problems = result.answers.map((answer) => answerProblem(ctx, route, request, answer, tally)).filter(Boolean);
  // A request that breaks HTTP itself may be answered by closing the connection; any other must be answered.
  if (result.answers.length === 0 && !result.mayClose) problems.push(`got no answer: ${result.error}`);
  if (result.answers.length > 0 && result.error !== undefined) problems.push(result.error);
  if (ctx.serverError !== undefined && result.answers.some((answer) => answer.status >= 500)) {
    const logged = await ctx.serverError();
    if (logged !== undefined) problems.push(`the service logged: ${clip(logged, 300)}`);
  }
  if (problems.length === 0) return undefined;
  return { problem: problems.join('; '), request, raw: result.raw };
}

/** A problem without what varies between inputs (numbers, ids, quoted text), to group them. */
export function problemKind(problem) {
  return clip(
    problem
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
      .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
      .replace(/\b(?!5\d\d\b)\d+\b/g, 'N'),
    200,
  );
}

// ---------------------------------------------------------------------------------------------
// Running a cell
// ---------------------------------------------------------------------------------------------

/** A 32-bit seed for a cell, from the run's seed and the cell's name. */
export function cellSeed(seed, name) {
  return (seed ^ createHash('sha256').update(name).digest().readInt32BE(0)) | 0;
}

/**
 * Runs one cell: `fc.assert` over `runs` cases, within `timeLimitMs` when given. Returns the counts and, when a property failed,
 * fast-check's report (seed, counterexample, shrinks) and the reproduction of the shrunk case.
 * `isAlive` (optional) is asked after a failure, so a crash is told apart from a bad answer.
 */
export async function runCell(ctx, cell, { seed, runs = cell.runs, timeLimitMs, isAlive }) {
  let inputs = 0;
  let shrinks = 0;
  let failed = false;
  let last;
  const statuses = new Map();
  const property = fc.asyncProperty(cell.cases, async (kase) => {
    if (failed) shrinks++;
    else inputs++;
    const failure = await checkCase(ctx, cell.route, kase, failed ? undefined : statuses);
    if (failure === undefined) return;
    failed = true;
    last = failure;
    if (isAlive !== undefined && !(await isAlive())) {
      last = { ...failure, crashed: true };
      throw new Error(`the service is gone (crashed?) after: ${failure.problem}`);
    }
    throw new Error(`${failure.problem}\nReproduce: ${reproduction(ctx, failure)}`);
  });
  const seedOfCell = cellSeed(seed, cell.name);
  const result = { name: cell.name, route: routeLabel(cell.route), family: cell.family, seed: seedOfCell };
  try {
    // The time limit bounds shrinking too: fast-check then reports the case shrunk so far.
    const plugins = timeLimitMs === undefined ? [] : [fc.interruptAfterTimeLimit(timeLimitMs)];
    await fc.assert(property, { seed: seedOfCell, numRuns: runs, plugins, includeErrorInReport: true });
    return { ...result, inputs, shrinks, statuses: Object.fromEntries(statuses) };
  } catch (error) {
    const failure = {
      report: error instanceof Error ? error.message : String(error),
      problem: last?.problem,
      reproduction: last === undefined ? undefined : reproduction(ctx, last),
      crashed: last?.crashed === true,
    };
    return { ...result, inputs, shrinks, statuses: Object.fromEntries(statuses), failure };
  }
}

/**
 * Sends `runs` more cases of the cell and counts every problem instead of stopping at the first
 * (no shrinking): how many inputs a bug hits once `runCell` has found it. Problems are grouped by
 * `problemKind`, each with the reproduction of its first case.
 */
export async function surveyCell(ctx, cell, { seed, runs }) {
  const statuses = new Map();
  const problems = new Map();
  // In slices, so a long survey never holds all its cases at once.
  for (let done = 0; done < runs; done += 100) {
    const cases = fc.sample(cell.cases, {
      seed: cellSeed(seed + done, cell.name),
      numRuns: Math.min(100, runs - done),
    });
    for (const kase of cases) {
      const failure = await checkCase(ctx, cell.route, kase, statuses);
      if (failure === undefined) continue;
      const kind = problemKind(failure.problem);
      const seen = problems.get(kind);
      if (seen !== undefined) seen.count++;
      else problems.set(kind, { kind, count: 1, problem: failure.problem, reproduction: reproduction(ctx, failure) });
    }
  }
  return { inputs: runs, statuses: Object.fromEntries(statuses), problems: [...problems.values()] };
}

// ---------------------------------------------------------------------------------------------
// Reproductions
// ---------------------------------------------------------------------------------------------

/**
 * A shell command that sends the failing request again to `$URL` (the service): curl for plain
 * requests, the raw bytes over a socket otherwise. Bodies too long or binary for a command line go
 * to a file under the temp directory, named after their hash.
 */
export function reproduction(ctx, failure) {
  const { request, raw } = failure;
  if (raw !== undefined) {
    const file = saved(raw, 'raw');
    return `node -e "const s=require('net').connect(new URL(process.env.URL).port,'127.0.0.1');s.end(require('fs').readFileSync('${file}'));s.pipe(process.stdout)" # a raw HTTP request, with the run's admin token`;
  }
  const parts = ['curl -sig --path-as-is', `-X ${request.method}`, `"$URL"${shellQuote(request.path)}`];
  let sentType = false;
  for (const [name, value] of request.headers) {
    if (name === 'authorization' && value.includes(ctx.adminToken)) {
      parts.push(`-H "authorization: ${value.replace(ctx.adminToken, '$ADMIN_TOKEN')}"`);
    } else if (name === 'authorization' && value.includes(ctx.readonlyToken)) {
      parts.push(`-H "authorization: ${value.replace(ctx.readonlyToken, '$ADMIN_READONLY_TOKEN')}"`);
    } else {
      // curl drops a header given with an empty value unless it ends with ';'.
      parts.push(value === '' ? `-H ${shellQuote(`${name};`)}` : `-H ${shellQuote(`${name}: ${value}`)}`);
    }
    if (name === 'content-type') sentType = true;
  }
  if (request.body !== undefined) {
    // Without this curl would send its own content type.
    if (!sentType) parts.push("-H 'content-type:'");
    const inline = request.body.length <= 1500 && !request.body.includes(0);
    parts.push(inline ? `--data-binary ${shellQuote(request.body)}` : `--data-binary @${saved(request.body, 'body')}`);
  }
  return parts.join(' ');
}

function saved(bytes, extension) {
  const file = join(
    tmpdir(),
    `floodgate-robustness-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.${extension}`,
  );
  writeFileSync(file, bytes);
  return file;
}

/** Single quotes for printable ASCII, else bash's `$'...'` with every other byte as `\xHH`. */
function shellQuote(value) {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  if (bytes.every((b) => b >= 0x20 && b < 0x7f)) return `'${bytes.toString('latin1').replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const b of bytes) {
    if (b === 0x27 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

// ---------------------------------------------------------------------------------------------
// Before and after a run
// ---------------------------------------------------------------------------------------------

/**
 * Creates a few valid rules, so cases that pick a known id hit real rules from the start.
 * Rejects if the service refuses any (the run would test nothing deep).
 */
export async function seedRules(ctx, count = 4) {
  const route = ROUTES.find((r) => r.method === 'POST' && r.path === '/v1/admin/rules');
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${ctx.url}/v1/admin/rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `seed-${i}`,
        description: 'a rule for the robustness run to read, change and roll back',
        match: { resource: `GET /seed/${i}*`, tier: 'free' },
        algorithm: ALGORITHMS[i % ALGORITHMS.length],
        limits: [{ limit: 10 + i, windowMs: 60_000 }],
      }),
    });
    if (res.status !== 201) throw new Error(`seeding a rule answered ${res.status}: ${await res.text()}`);
    learnIds(ctx, route, await res.json());
  }
}

/**
 * Sends `runs` cases across every cell (a seed of its own, failures not shrunk and ignored: they
 * are the real run's to report), so that what a process keeps once it has seen every kind of
 * input (code V8 optimises as it gets hot, caches, connection pools) is in a heap baseline taken
 * after it.
 */
export async function warmUp(ctx, { seed, runs = 200 }) {
  for (const cell of cellsOf(ROUTES, runs, { minRuns: 1 })) await surveyCell(ctx, cell, { seed, runs: cell.runs });
}

/**
 * Reads every stored rule back (the list, page by page, then each by id and its history) and
 * returns what is wrong with them: `{ checked, problems: [{ id, name, problems }] }`. A rule the
 * API cannot even list or read is a problem too.
 */
export async function storedRuleProblems(ctx) {
  const headers = { authorization: `Bearer ${ctx.adminToken}` };
  const get = async (path) => {
    const res = await fetch(`${ctx.url}${path}`, { headers, signal: AbortSignal.timeout(ctx.timeoutMs) });
    return { status: res.status, body: parseJson(Buffer.from(await res.arrayBuffer())) };
  };
  const found = [];
  const problems = [];
  for (let offset = 0; ; offset += 100) {
    const page = await get(`/v1/admin/rules?limit=100&offset=${offset}`);
    if (page.status !== 200 || !Array.isArray(page.body?.items)) {
      problems.push({ id: '(list)', problems: [`GET /v1/admin/rules?offset=${offset} answered ${page.status}`] });
      break;
    }
    found.push(...page.body.items);
    if (page.body.items.length < 100) break;
  }
  for (const listed of found) {
    const rule = await get(`/v1/admin/rules/${encodeURIComponent(String(listed?.id))}`);
    const own =
      rule.status === 200 ? ruleProblems(rule.body, ctx.validateRuleBody) : [`GET by id answered ${rule.status}`];
    if (rule.status === 200 && canonical(rule.body) !== canonical(listed)) own.push('differs from its list item');
    const history = await get(`/v1/admin/rules/${encodeURIComponent(String(listed?.id))}/history`);
    if (history.status !== 200 || !Array.isArray(history.body?.items))
      own.push(`its history answered ${history.status}`);
    else {
      for (const entry of history.body.items) {
        for (const side of ['before', 'after']) {
          if (entry[side] === null) continue;
          const bad = ruleProblems(entry[side], ctx.validateRuleBody);
          if (bad.length > 0) own.push(`history v${entry.version} ${side}: ${bad.join('; ')}`);
        }
      }
    }
    if (own.length > 0) problems.push({ id: listed?.id, name: listed?.name, problems: own });
  }
  return { checked: found.length, problems };
}

/**
 * The error a service log line (pino JSON, parsed) reports, as `Type: message`; undefined for
 * other lines and for pino-http's own "failed with status code" lines, which say nothing more.
 */
export function loggedError(line) {
  const err = isPlainObject(line) && Number(line.level) >= 50 ? line.err : undefined;
  if (!isPlainObject(err) || /^failed with status code/.test(String(err.message))) return undefined;
  return `${err.type ?? 'Error'}: ${String(err.message).replace(/\s+/g, ' ').trim()}`;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
