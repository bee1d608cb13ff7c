/**
 * `GET/PUT /v1/admin/system/state` on two nodes, and the automatic switch from the load signal
 * (with its hysteresis), driven by readings the test chooses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { LoadShedder, LoadSignal, type LoadSample, SystemStateHolder } from '../../../src/system/index.js';
import { parseExposition, valueOf } from '../../support/prometheus.js';
import { adminFetch, json, useServiceDatabase, useServiceFleet } from './service-harness.js';

useServiceDatabase();

describe('Floodgate service: the system state', () => {
  const [a, b] = useServiceFleet({ nodes: 2, env: { RULES_REFRESH_INTERVAL_MS: '60000' } }).nodes;

  it('starts NORMAL, switches the fleet on PUT, and audits who did it', async () => {
    expect(await json(await adminFetch(a, 'GET', '/v1/admin/system/state'))).toMatchObject({
      state: 'NORMAL',
      changedBy: 'migration',
    });
    const put = await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'DEGRADED', reason: 'db failover' });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({
      state: 'DEGRADED',
      reason: 'db failover',
      changedBy: 'admin',
      rulesVersion: expect.any(Number),
    });
    expect(a.app.get(SystemStateHolder).state).toBe('DEGRADED');
    // The other node follows through the announcement, not its (one minute) periodic check.
    for (let i = 0; i < 100 && b.app.get(SystemStateHolder).state !== 'DEGRADED'; i++) await sleep(20);
    expect(b.app.get(SystemStateHolder).state).toBe('DEGRADED');
    const metrics = parseExposition(await (await fetch(`${b.url}/metrics`)).text());
    expect(valueOf(metrics, 'floodgate_system_state', { state: 'DEGRADED' })).toBe(1);
    expect(
      valueOf(metrics, 'floodgate_system_state_switches_total', { to: 'DEGRADED', by: 'admin' }),
    ).toBeGreaterThanOrEqual(1);
    const audit = await json<{ items: { action: string; actor: string; after: { state: string } }[] }>(
      await adminFetch(a, 'GET', '/v1/admin/audit?targetType=system_state'),
    );
    expect(audit.items[0]).toMatchObject({
      action: 'system_state.update',
      actor: 'admin',
      after: { state: 'DEGRADED' },
    });
    await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'NORMAL' });
  });

  it("switches a tier's limits on every node: a rule written on one node, the state set there, enforced on the other", async () => {
    const rule = await adminFetch(a, 'POST', '/v1/admin/rules', {
      name: 'free-by-state',
      match: { tier: 'free' },
      limits: [{ limit: 5, windowMs: 60_000 }],
      stateLimits: { DEGRADED: [{ limit: 1, windowMs: 60_000 }] },
    });
    expect(rule.status).toBe(201);
    const check = (clientId: string) =>
      fetch(`${b.url}/v1/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId, tier: 'free', cost: 0 }),
      }).then((res) => json<{ rule: string; limit: number }>(res));
    const waitFor = async (clientId: string, limit: number) => {
      for (let i = 0; i < 100 && (await check(clientId)).limit !== limit; i++) await sleep(20);
      return check(clientId);
    };
    expect(await waitFor('tiered', 5)).toMatchObject({ rule: 'free-by-state', limit: 5 });
    await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'DEGRADED' });
    try {
      expect(await waitFor('tiered', 1)).toMatchObject({ rule: 'free-by-state', limit: 1 });
    } finally {
      await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'NORMAL' });
    }
    expect(await waitFor('tiered', 5)).toMatchObject({ limit: 5 });
  });

  it('answers 400 naming the field for a bad state', async () => {
    for (const [body, field] of [
      [{ state: 'PANIC' }, 'state'],
      [{}, 'state'],
      [{ state: 'NORMAL', reason: '' }, 'reason'],
      [{ state: 'NORMAL', extra: true }, 'extra'],
    ] as const) {
      const res = await adminFetch(a, 'PUT', '/v1/admin/system/state', body);
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ field });
    }
  });

  it('switches to DEGRADED after enough overloaded readings, and back only after enough calm ones', async () => {
    const readings: LoadSample[] = [];
    const signal = a.app.get(LoadSignal);
    const sample = jest.spyOn(signal, 'sample').mockImplementation(async () => readings.shift()!);
    try {
      const shedder = a.app.get(LoadShedder);
      const hot = { eventLoopP99Ms: 500, storeLatencyMs: 1 };
      const calm = { eventLoopP99Ms: 1, storeLatencyMs: 1 };
      const between = { eventLoopP99Ms: 70, storeLatencyMs: 1 };
      const holder = a.app.get(SystemStateHolder);
      // Defaults: over 100 ms three times in a row enters; under half of it six times in a row leaves.
      readings.push(hot, hot, calm, hot, hot);
      for (let i = 0; i < 5; i++) await shedder.tick();
      expect(holder.state).toBe('NORMAL');
      readings.push(hot);
      await shedder.tick();
      expect(holder.state).toBe('DEGRADED');
      expect(holder.current).toMatchObject({
        changedBy: 'auto',
        reason: expect.stringMatching(/^event loop p99 500\.0 ms/),
      });
      // Not calm enough (between half and the threshold) resets the count.
      readings.push(calm, calm, calm, calm, calm, between, calm, calm, calm, calm, calm);
      for (let i = 0; i < 11; i++) await shedder.tick();
      expect(holder.state).toBe('DEGRADED');
      readings.push(calm);
      await shedder.tick();
      expect(holder.state).toBe('NORMAL');
    } finally {
      sample.mockRestore();
    }
  });

  it("never overrides an admin's DEGRADED", async () => {
    await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'DEGRADED', reason: 'planned maintenance' });
    const signal = a.app.get(LoadSignal);
    const sample = jest.spyOn(signal, 'sample').mockResolvedValue({ eventLoopP99Ms: 1, storeLatencyMs: 1 });
    try {
      for (let i = 0; i < 10; i++) await a.app.get(LoadShedder).tick();
      expect(a.app.get(SystemStateHolder).current).toMatchObject({ state: 'DEGRADED', changedBy: 'admin' });
    } finally {
      sample.mockRestore();
      await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'NORMAL' });
    }
  });
});
