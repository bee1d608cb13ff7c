import type { BodySchema } from '../http/json-schema.js';

export const MAX_CLIENT_ID_LENGTH = 256;
export const MAX_RESOURCE_LENGTH = 512;
export const MAX_TIER_LENGTH = 64;
export const MAX_COST = 1_000_000;
export const MAX_API_KEY_FIELD_LENGTH = 128;
export const MAX_LEASE_ID_LENGTH = 128;

/**
 * The body of `POST /v1/check` (and `POST /v1/admin/explain`): checked with this schema, compiled
 * once (`SchemaBodyPipe`), and documented by it (the OpenAPI component `CheckRequestDto`).
 *
 * @example
 * { "clientId": "acct_42", "resource": "GET /search", "cost": 1, "tier": "free" }
 * { "clientId": "acct_42", "resource": "GET /search", "apiKey": "fgk_...", "ip": "203.0.113.7" }
 */
export const CHECK_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['clientId'],
  properties: {
    clientId: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_CLIENT_ID_LENGTH,
      description: 'Who is asking; counters are kept per rule and client',
      example: 'acct_42',
    },
    resource: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_RESOURCE_LENGTH,
      default: 'global',
      description: 'What is being accessed; picks the rule',
      example: 'GET /search',
    },
    cost: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_COST,
      default: 1,
      description: 'Units to take; 0 only reports',
    },
    tier: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_TIER_LENGTH,
      description: "The client's plan, for rules that differ by tier",
      example: 'free',
    },
    apiKey: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_API_KEY_FIELD_LENGTH,
      description:
        "The API key the client presented: it must be valid (else 401), and its tier replaces `tier`; the key's blocks and allow-list entries apply",
    },
    ip: {
      type: 'string',
      format: 'ip',
      description: "The client's address, for blocks and allow lists of addresses and ranges",
      example: '203.0.113.7',
    },
  },
} as const satisfies BodySchema;

/** A checked body of `POST /v1/check` (defaults applied: `resource` and `cost` are always there). */
export interface CheckRequest {
  readonly clientId: string;
  readonly resource?: string;
  readonly cost?: number;
  readonly tier?: string;
  readonly apiKey?: string;
  readonly ip?: string;
}

/**
 * The body of `POST /v1/check/release`: the check that took a concurrency slot (the same
 * `clientId`, `resource`, `tier` or `apiKey`, so the same rule is found) and its `leaseId`.
 *
 * @example
 * { "clientId": "acct_42", "resource": "POST /export", "leaseId": "k1x9...:42" }
 */
export const RELEASE_REQUEST_SCHEMA = {
  ...CHECK_REQUEST_SCHEMA,
  required: ['clientId', 'leaseId'],
  properties: {
    ...CHECK_REQUEST_SCHEMA.properties,
    leaseId: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_LEASE_ID_LENGTH,
      description: 'The `leaseId` the check answered with',
    },
  },
} as const satisfies BodySchema;

/** A checked body of `POST /v1/check/release`. */
export interface ReleaseRequest extends CheckRequest {
  readonly leaseId: string;
}
