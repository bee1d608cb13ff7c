import { hash, randomBytes } from 'node:crypto';

/** Every secret starts so: recognisable in a config file or a leak scanner's rules. */
export const API_KEY_PREFIX = 'fgk_';
/** How much of a secret is kept to recognise it (`fgk_` and 8 characters: 48 bits, not enough to use it). */
const SHOWN_LENGTH = API_KEY_PREFIX.length + 8;
/** A presented key longer than this is not one of ours: no hashing of megabyte headers. */
export const MAX_API_KEY_LENGTH = 128;

/** A new secret: `fgk_` and 32 random bytes in base64url (256 bits). */
export function newApiKeySecret(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What a secret is stored and looked up by: its SHA-256, hex. (A secret of 256 random bits needs no slow hash.) */
export function apiKeyHash(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** A key's `prefix` as lists show it: `fgk_` and 8 base64url characters. */
const SHOWN_PREFIX = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{${SHOWN_LENGTH - API_KEY_PREFIX.length}}$`);

/** Whether `text` has the shape of a key's shown prefix (`fgk_AbCdEfGh`), not of a key or an id. */
export function isApiKeyPrefix(text: string): boolean {
  return SHOWN_PREFIX.test(text);
}

/** The part of a secret shown in lists: `fgk_AbCdEfGh`. */
export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, SHOWN_LENGTH);
}
