// The node of test/robustness/key-space.e2e-spec.ts: `node --expose-gc key-space-driver.mjs
// '<json spec>'` starts the built service (dist/) in this process on the spec's database and
// Redis, decides for `identities` distinct identities (see the spec), and prints one JSON line:
// { before, after (heap bytes after a full GC, past `warm` identities and at the end), statuses }.
// A process of its own: Jest's worker holds every test file's modules, and its heap (and its GC
// pauses) would be what the run measured.
import { createApp } from '../../dist/bootstrap.js';
import { CheckService } from '../../dist/check/check.service.js';
import { loadConfig } from '../../dist/config/index.js';

const { env, identities, warm, wave, adminToken, rules } = JSON.parse(process.argv[2]);
const silent = { write() {} };
const app = await createApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', ...env }), { logDestination: silent });
await app.listen(0, '127.0.0.1');
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
for (const rule of rules) {
  const res = await fetch(`${url}/v1/admin/rules`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  if (res.status !== 201) throw new Error(`POST /v1/admin/rules answered ${res.status}: ${await res.text()}`);
}
const checks = app.get(CheckService);
const caller = { name: 'abuser' };

/** Identity i: a new client id and a new address, on one of three paths. */
function decide(i) {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const clientId = `abuser-${i}`;
  switch (i % 3) {
    case 0:
      // Refused whatever was used (the cost never fits): the denial cache and the over-limit board.
      return checks.check({ clientId, resource: 'GET /refused', cost: 2, ip }, undefined, caller);
    case 1:
      // A policy per resource: 500 resources, each with its own counters per identity.
      return checks.check({ clientId, resource: `GET /r/${i % 500}`, ip }, undefined, caller);
    default:
      return checks.check({ clientId, ip }, undefined, caller);
  }
}

const statuses = {};
async function drive(from, to) {
  for (let start = from; start < to; start += wave) {
    const decisions = [];
    for (let i = start; i < Math.min(to, start + wave); i++) decisions.push(decide(i));
    for (const { status } of await Promise.all(decisions)) statuses[status] = (statuses[status] ?? 0) + 1;
  }
}

function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

await drive(0, warm);
const before = heapAfterGc();
await drive(warm, identities);
const after = heapAfterGc();
await app.close();
process.stdout.write(`${JSON.stringify({ before, after, statuses })}\n`, () => process.exit(0));
