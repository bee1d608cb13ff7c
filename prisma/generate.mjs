// `npm run db:generate`: writes the Prisma client into src/db/generated (gitignored) when it is
// missing or was generated from another schema or Prisma version; `--force` always does.
// Skipping an up-to-date client keeps `npm test` fast (typecheck, build and jest each ask for
// it) and keeps parallel test runs from rewriting the folder under each other.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const stampFile = join(root, 'src', 'db', 'generated', '.schema-hash');

const prismaVersion = require('prisma/package.json').version;
const schema = readFileSync(join(root, 'prisma', 'schema.prisma'));
const stamp = createHash('sha256').update(prismaVersion).update(schema).digest('hex');

function currentStamp() {
  try {
    return readFileSync(stampFile, 'utf8').trim();
  } catch {
    return '';
  }
}

if (!process.argv.includes('--force') && currentStamp() === stamp) process.exit(0);

const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    // Schema validation wants the datasource url set; generating never connects.
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/floodgate',
    CHECKPOINT_DISABLE: '1',
  },
});
if (result.status !== 0) process.exit(result.status ?? 1);
annotateNullTypes();
writeFileSync(stampFile, `${stamp}\n`);

/**
 * `declaration: true` fails on the generated `export const DbNull = runtime...instances.DbNull`
 * and on the enum objects holding it (TS4094: its class has a native #private brand, which a
 * .d.ts cannot spell; @ts-nocheck does not cover declaration emit; prisma/orm#29549, open for
 * TypeScript 6). Giving each of those constants a nameable type annotation fixes it, as
 * proposed upstream (prisma/orm#29665).
 */
function annotateNullTypes() {
  const nullType = 'DbNull|JsonNull|AnyNull';
  for (const file of ['prismaNamespace.ts', 'prismaNamespaceBrowser.ts']) {
    const path = join(root, 'src', 'db', 'generated', 'internal', file);
    const source = readFileSync(path, 'utf8');
    const patched = source
      .replace(
        new RegExp(`^export const (${nullType}) = runtime\\.objectEnumValues\\.instances\\.\\1$`, 'gm'),
        'export const $1: typeof runtime.objectEnumValues.instances.$1 = runtime.objectEnumValues.instances.$1',
      )
      .replace(
        new RegExp(`^export const (\\w+) = \\{\\n((?:  (?:${nullType}): (?:${nullType}),?\\n)+)\\} as const$`, 'gm'),
        (_match, name, body) => {
          const keys = [...body.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]);
          const type = keys.map((key) => `readonly ${key}: typeof ${key}`).join('; ');
          return `export const ${name}: { ${type} } = {\n${body}} as const`;
        },
      );
    if (patched === source) throw new Error(`db:generate: no null-type constant to annotate in ${file}`);
    writeFileSync(path, patched);
  }
}
