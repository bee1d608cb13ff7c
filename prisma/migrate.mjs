// `npm run db:migrate`: applies the pending migrations to DATABASE_URL (`prisma migrate deploy`).
// Without DATABASE_URL the CLI would fail on schema validation and then try to download an
// engine, which hides the real cause: say it plainly instead.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (!process.env.DATABASE_URL) {
  console.error('db:migrate: set DATABASE_URL, e.g. DATABASE_URL=postgresql://postgres@127.0.0.1:5432/floodgate');
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'migrate', 'deploy', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CHECKPOINT_DISABLE: '1' },
});
process.exit(result.status ?? 1);
