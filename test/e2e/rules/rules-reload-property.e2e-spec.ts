/**
 * No admin request the API accepts can make a reload fail: generated rule bodies, patches and
 * rollbacks (mostly well-formed, some with hostile shapes) sent to a real node on Postgres; after
 * each one the API accepted, the node's reload from Postgres succeeds with nothing left out, and a
 * node started afterwards loads every rule. Refusals are 4xx, never 5xx.
 */
import fc from 'fast-check';
import { useTestDatabase } from '../../db/support/test-database.js';
import {
  acceptedCreateFields,
  acceptedPatchFields,
  createFields,
  ruleFields,
} from '../../rules/rule-body.arbitrary.js';
import { type RulesNode, startRulesNode } from './rules-app.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SETUP_TIMEOUT_MS = 60_000;
const RULES = '/v1/admin/rules';
const RUNS = 150;
/**
 * One body in four is drawn from the ones the validator accepts: of the raw draws only 7-9% pass,
 * so with raw draws alone the acceptance floor was within a few seeds' luck (6 accepted patches
 * against a floor of 7.5 failed a CI run). About 30% are now accepted, 45 of 150 on average, the
 * floor of 15 more than five standard deviations below; three raw in four keep the hostile shapes
 * coming.
 */
const createBodies = fc.oneof({ weight: 3, arbitrary: createFields }, { weight: 1, arbitrary: acceptedCreateFields });
const patchBodies = fc.oneof({ weight: 3, arbitrary: ruleFields }, { weight: 1, arbitrary: acceptedPatchFields });
/** Each accepted write is a write, a reload and a snapshot check: room for a loaded CI box. */
const PROPERTY_TIMEOUT_MS = 60_000;

/** This file's database: made before the first test, dropped after the last. */
const db = useTestDatabase();

describe('Rules API: whatever it accepts, every node can load', () => {
  let node: RulesNode;
  let made = 0;
  const accepted = { create: 0, patch: 0, rollback: 0 };
  const ruleIds: string[] = [];

  beforeAll(async () => {
    node = await startRulesNode(db.url, 60_000);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await node?.close();
  });

  /** Sends one request; when accepted, the node must reload from Postgres with nothing left out. */
  async function send(method: string, path: string, body: unknown): Promise<Response> {
    const failures = node.refresher.failures;
    const response = await node.admin(method, path, { body });
    expect(response.status).toBeLessThan(500);
    if (response.ok) {
      expect(await node.refresher.reload()).toBe(true);
      expect(node.refresher.failures).toBe(failures);
      expect(node.refresher.invalid).toEqual([]);
    }
    return response;
  }

  it(
    'creates: an accepted rule never fails a reload',
    async () => {
      await fc.assert(
        fc.asyncProperty(createBodies, async (fields) => {
          const response = await send('POST', RULES, { name: `p${++made}`, ...fields });
          if (response.status === 201) {
            accepted.create++;
            ruleIds.push(((await response.json()) as Json).id);
          }
        }),
        { numRuns: RUNS },
      );
      expect(accepted.create).toBeGreaterThan(RUNS / 10);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'patches: an accepted change never fails a reload',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), patchBodies, async (pick, fields) => {
          const id = ruleIds[pick % ruleIds.length];
          if ((await send('PATCH', `${RULES}/${id}`, fields)).ok) accepted.patch++;
        }),
        { numRuns: RUNS },
      );
      expect(accepted.patch).toBeGreaterThan(RUNS / 10);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'rolls back: an accepted rollback never fails a reload',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), async (pickRule, pickVersion) => {
          const id = ruleIds[pickRule % ruleIds.length]!;
          const { items } = (await (await node.admin('GET', `${RULES}/${id}/history`)).json()) as { items: Json[] };
          const versions = items.flatMap((entry) => (entry.after === null ? [] : [entry.after.version as number]));
          const version = versions[pickVersion % versions.length];
          if ((await send('POST', `${RULES}/${id}/rollback`, { version })).ok) accepted.rollback++;
        }),
        { numRuns: RUNS / 3 },
      );
      expect(accepted.rollback).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('a node started afterwards loads every stored rule', async () => {
    const late = await startRulesNode(db.url, 60_000);
    try {
      expect(late.refresher.loaded).toBe(true);
      expect(late.refresher.invalid).toEqual([]);
      expect(late.refresher.version).toBe(node.refresher.version);
    } finally {
      await late.close();
    }
  });
});
