import type { Prisma } from '../db/index.js';
import { isApiKeyPrefix } from '../api-keys/api-key-secret.js';
import { AmbiguousApiKeyPrefixException, UnknownApiKeyException } from './access.exceptions.js';

/**
 * The id of the API key an `apiKey` block or allow entry names: by its id, or by the prefix an
 * admin reads in key lists (`fgk_AbCdEfGh`). Entries are matched by id, so a prefix is resolved
 * here, in the write's transaction; 400 when no key has it, or more than one (48 bits: rare, but
 * then only the id says which).
 */
export async function apiKeyIdOf(tx: Prisma.TransactionClient, value: string): Promise<string> {
  if (!isApiKeyPrefix(value)) {
    if ((await tx.apiKey.count({ where: { id: value } })) === 0) throw new UnknownApiKeyException();
    return value;
  }
  const keys = await tx.apiKey.findMany({ where: { prefix: value }, select: { id: true }, take: 2 });
  if (keys.length === 0) throw new UnknownApiKeyException();
  if (keys.length > 1) throw new AmbiguousApiKeyPrefixException();
  return keys[0]!.id;
}
