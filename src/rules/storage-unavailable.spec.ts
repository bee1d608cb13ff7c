import { isStorageUnavailable } from './storage-unavailable.js';

/** A driver error as adapter-pg wraps it: the SQLSTATE in `originalCode`, a kind of its own. */
const driverError = (originalCode: string, kind = 'postgres') =>
  Object.assign(new Error('query failed'), { cause: { kind, originalCode } });

describe('isStorageUnavailable', () => {
  it.each([
    ['55000', 'a database not accepting connections'],
    ['3D000', 'a database that is gone'],
    ['57P03', 'a server that cannot connect now'],
    ['57P04', 'a database dropped'],
    ['53300', 'too many connections'],
    ['08006', 'a connection failure'],
    ['28P01', 'credentials that no longer work'],
    ['25006', 'a read-only standby'],
  ])('says yes for SQLSTATE %s (%s)', (code) => {
    expect(isStorageUnavailable(driverError(code))).toBe(true);
  });

  it('says yes for the adapter kinds of an unreachable or refusing database, and for socket errors', () => {
    for (const kind of [
      'DatabaseDoesNotExist',
      'DatabaseAccessDenied',
      'AuthenticationFailed',
      'DatabaseNotReachable',
    ]) {
      expect(isStorageUnavailable({ kind })).toBe(true);
    }
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it("says yes for node-postgres's timeouts (DATABASE_TIMEOUT_MS): a query, and getting a connection", () => {
    expect(isStorageUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isStorageUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isStorageUnavailable(new Error('Connection terminated due to connection timeout'))).toBe(true);
  });

  it('says no for a query the database refused: a constraint, a syntax error, a missing table', () => {
    for (const code of ['23505', '42601', '42P01', '22P02'])
      expect(isStorageUnavailable(driverError(code))).toBe(false);
    expect(isStorageUnavailable(new Error('boom'))).toBe(false);
  });
});
