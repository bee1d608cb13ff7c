import { describeDatabaseUrl, InvalidDatabaseUrlError, parseDatabaseUrl } from './database-url.js';

describe('DATABASE_URL', () => {
  it('describes the database for logs without credentials or parameters', () => {
    expect(describeDatabaseUrl('postgresql://app:s3cret@db.internal:5433/floodgate?sslmode=require')).toBe(
      'db.internal:5433/floodgate',
    );
    expect(describeDatabaseUrl('postgres://db')).toBe('db:5432');
    expect(describeDatabaseUrl('postgresql://postgres@localhost/postgres?host=%2Fsrv%2F.data%2Fsocket')).toBe(
      '/srv/.data/socket (Unix socket)/postgres',
    );
  });

  it('refuses what is not a postgres URL with an error that does not repeat it', () => {
    expect(() => parseDatabaseUrl('https://user:s3cret@db/x')).toThrow(
      new InvalidDatabaseUrlError('must start with postgres:// or postgresql://'),
    );
  });
});
