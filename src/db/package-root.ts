import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The floodgate package folder (the one holding `prisma/schema.prisma`), found from this file
 * so that it is the same whether the code runs from `src/` (tests) or `dist/` (the service).
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prisma', 'schema.prisma'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no prisma/schema.prisma above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
