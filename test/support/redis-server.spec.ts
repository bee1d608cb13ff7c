/**
 * The redis-server starter the tests and the bench scripts share: a handle restarts its server on
 * the same port, a stale server there is replaced, and with `replace: false` a taken port fails
 * the start and leaves the other server alone (bench scripts pick ports on a shared machine).
 */
import { freePort } from '../e2e/service/service-harness.js';
import { cli, type RedisServerHandle, serverPid, startRedisServer } from './redis-server.mjs';

describe('startRedisServer', () => {
  const started: RedisServerHandle[] = [];
  const start = async (...args: Parameters<typeof startRedisServer>) => {
    const server = await startRedisServer(...args);
    started.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of started.splice(0)) await server.stop();
  });

  it('starts a server that answers as itself, and starts it again on the same port after a crash', async () => {
    const server = await start(await freePort());
    const first = server.pid;
    expect(first).toEqual(expect.any(Number));
    expect(await serverPid(server.port)).toBe(first);
    await cli(server.port, 'set', 'k', 'v');
    await server.kill();
    expect(server.pid).toBeUndefined();
    expect(await serverPid(server.port)).toBeUndefined();
    await server.start();
    expect(await serverPid(server.port)).toBe(server.pid);
    expect(server.pid).not.toBe(first);
    // Nothing kept on disk: the crash lost the key.
    expect(await cli(server.port, 'exists', 'k')).toBe('0');
  });

  it('with replace: false, fails on a taken port and leaves the server there running', async () => {
    const owner = await start(await freePort());
    await expect(startRedisServer(owner.port, [], { replace: false })).rejects.toThrow(
      `redis-server on ${owner.port} exited at start (the port is taken?)`,
    );
    expect(await serverPid(owner.port)).toBe(owner.pid);
  });

  it('by default replaces a server left on the port', async () => {
    const stale = await start(await freePort());
    const fresh = await start(stale.port);
    expect(await serverPid(fresh.port)).toBe(fresh.pid);
    expect(fresh.pid).not.toBe(stale.pid);
  });
});
