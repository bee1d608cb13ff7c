/**
 * What the service logs when a caller is refused over and over (an attack, a runaway client): one
 * line per rule per period from the limiter, none per request. Its own file: nestjs-pino keeps the
 * first app's log level for every app of a test file, and this one needs `info`.
 */
import { logLinesWhere, postCheck, useService, useServiceDatabase } from './service-harness.js';

useServiceDatabase();

describe('Floodgate service: logs under a flood of refusals', () => {
  const service = useService({ redis: 'memory', env: { DEFAULT_LIMIT: '1', LOG_LEVEL: 'info' } });

  it('logs the first refusal of a rule with its correlation id, folds the rest, and writes no access line per 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await postCheck(service, { clientId: 'flooder' }, { 'X-Correlation-ID': `flood-${i}` })).status);
    }
    expect(statuses.filter((status) => status === 429)).toHaveLength(29);
    const refusals = await logLinesWhere(service, (line) => String(line.msg).startsWith('Rule "default" refused'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ correlationId: 'flood-1', nodeId: 'test-node', level: 30 });
    expect(refusals[0]!.msg).toMatch(
      /^Rule "default" refused a request \(limit 1, retry in \d+ s, answered from the store\)$/,
    );
    // The allowed request's access line is there; the refused ones' are at debug, below LOG_LEVEL.
    const completed = service.logs.filter(
      (line) => line.msg === 'request completed' && String(line.correlationId).startsWith('flood-'),
    );
    expect(completed.map((line) => line.correlationId)).toEqual(['flood-0']);
    // Without tracing, no line carries a trace id, and no response names one.
    expect(service.logs.filter((line) => 'traceId' in line)).toEqual([]);
    expect((await postCheck(service, { clientId: 'flooder' })).headers.get('x-trace-id')).toBeNull();
  });
});
