import { applyMigrations, migrationNames, pendingMigrations } from '../../src/db/index.js';
import { createTestDatabase, query, type TestDatabase } from './support/test-database.js';

// Each migrate deploy starts the Prisma CLI (a couple of seconds on a busy machine).
const MIGRATE_TIMEOUT_MS = 30_000;

describe('applyMigrations (Postgres 15 on 127.0.0.1:5432)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it(
    'applies every shipped migration to an empty database, then has nothing left to do',
    async () => {
      expect(migrationNames()).toEqual([
        expect.stringMatching(/^\d{14}_init$/),
        expect.stringMatching(/^\d{14}_control_plane$/),
        expect.stringMatching(/^\d{14}_database_id$/),
      ]);
      expect(await pendingMigrations(db.url)).toEqual(migrationNames());

      const first = await applyMigrations(db.url);
      expect(first.applied).toEqual(migrationNames());
      expect(first.output).toContain('All migrations have been successfully applied');
      expect(await pendingMigrations(db.url)).toEqual([]);

      // Up to date: decided from _prisma_migrations, without starting the CLI (whose output this is not).
      const second = await applyMigrations(db.url);
      expect(second.applied).toEqual([]);
      expect(second.output).toBe('No pending migrations to apply.');
    },
    MIGRATE_TIMEOUT_MS,
  );

  it('creates the four tables with their columns', async () => {
    const columns = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      db.url,
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name IN ('rules', 'rule_audit', 'rules_version', 'outbox')
       ORDER BY table_name, ordinal_position`,
    );
    const describe = (table: string) =>
      columns
        .filter((c) => c.table_name === table)
        .map((c) => `${c.column_name} ${c.data_type}${c.is_nullable === 'YES' ? ' null' : ''}`);

    expect(describe('rules')).toEqual([
      'id uuid',
      'name text',
      'description text null',
      'match jsonb',
      'algorithm text',
      'limits jsonb',
      'enabled boolean',
      'shadow boolean',
      'priority integer',
      'per_resource boolean',
      'version integer',
      'created_at timestamp with time zone',
      'updated_at timestamp with time zone',
      'count_only text null',
      'penalty jsonb null',
      'state_limits jsonb null',
    ]);
    expect(describe('rule_audit')).toEqual([
      'id bigint',
      'rule_id uuid',
      'actor text',
      'action text',
      'before jsonb null',
      'after jsonb null',
      'rules_version bigint',
      'at timestamp with time zone',
    ]);
    expect(describe('rules_version')).toEqual(['id integer', 'version bigint', 'database_id uuid']);
    expect(describe('outbox')).toEqual([
      'id bigint',
      'rules_version bigint',
      'payload jsonb',
      'created_at timestamp with time zone',
      'published_at timestamp with time zone null',
    ]);
  });

  it(
    'starts the rule set at version 0 in its single row, with a database id of its own, and keeps it single',
    async () => {
      expect(await query(db.url, 'SELECT id, version::text, database_id FROM rules_version')).toEqual([
        { id: 1, version: '0', database_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      ]);
      const other = await createTestDatabase();
      try {
        await applyMigrations(other.url);
        const [ours] = await query<{ database_id: string }>(db.url, 'SELECT database_id FROM rules_version');
        const [theirs] = await query<{ database_id: string }>(other.url, 'SELECT database_id FROM rules_version');
        expect(theirs!.database_id).not.toBe(ours!.database_id);
      } finally {
        await other.drop();
      }
      await expect(query(db.url, 'INSERT INTO rules_version (id, version) VALUES (2, 0)')).rejects.toThrow(
        /rules_version_single_row/,
      );
    },
    MIGRATE_TIMEOUT_MS,
  );

  it('gives rules their defaults and a unique name, and keeps audit rows for deleted rules', async () => {
    const [rule] = await query<{ id: string; version: number; per_resource: boolean }>(
      db.url,
      `INSERT INTO rules (name, match, algorithm, limits, enabled, shadow, priority)
       VALUES ('sql-defaults', '{}', 'gcra', '{"limit": 1}', true, false, 0) RETURNING id, version, per_resource`,
    );
    expect(rule).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), version: 1, per_resource: false });
    await expect(
      query(
        db.url,
        `INSERT INTO rules (name, match, algorithm, limits, enabled, shadow, priority)
         VALUES ('sql-defaults', '{}', 'gcra', '{}', true, false, 0)`,
      ),
    ).rejects.toThrow(/rules_name_key/);

    await query(
      db.url,
      `INSERT INTO rule_audit (rule_id, actor, action, rules_version) VALUES ($1, 'ops', 'delete', 1)`,
      [rule!.id],
    );
    await query(db.url, 'DELETE FROM rules WHERE id = $1', [rule!.id]);
    expect(await query(db.url, 'SELECT action FROM rule_audit WHERE rule_id = $1', [rule!.id])).toEqual([
      { action: 'delete' },
    ]);
    await expect(
      query(db.url, `INSERT INTO rule_audit (rule_id, actor, action, rules_version) VALUES ($1, 'ops', 'rename', 1)`, [
        rule!.id,
      ]),
    ).rejects.toThrow(/rule_audit_action_check/);
  });

  it('starts the fleet in NORMAL in its single system_state row, and accepts no other state', async () => {
    expect(await query(db.url, 'SELECT id, state FROM system_state')).toEqual([{ id: 1, state: 'NORMAL' }]);
    await expect(query(db.url, "INSERT INTO system_state (id, state) VALUES (2, 'NORMAL')")).rejects.toThrow(
      /system_state_single_row/,
    );
    await expect(query(db.url, "UPDATE system_state SET state = 'PANIC'")).rejects.toThrow(/system_state_known/);
  });

  it('keeps API keys unique by the hash of their secret, and allow-list entries unique by type and value', async () => {
    await query(db.url, "INSERT INTO api_keys (secret_hash, prefix, tier) VALUES ('h1', 'fgk_ab', 'free')");
    await expect(
      query(db.url, "INSERT INTO api_keys (secret_hash, prefix, tier) VALUES ('h1', 'fgk_cd', 'pro')"),
    ).rejects.toThrow(/api_keys_secret_hash_key/);
    await query(db.url, "INSERT INTO allowlist (type, value, created_by) VALUES ('ip', '10.0.0.0/8', 'admin')");
    await expect(
      query(db.url, "INSERT INTO allowlist (type, value, created_by) VALUES ('ip', '10.0.0.0/8', 'admin')"),
    ).rejects.toThrow(/allowlist_type_value_key/);
  });
});
