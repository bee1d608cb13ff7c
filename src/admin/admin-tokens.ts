import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ADMIN_OPTIONS } from './admin.constants.js';
import type { AdminActorName, AdminModuleOptions } from './admin.options.js';

/** Visible ASCII only: anything else could not be sent intact in an `Authorization` header. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** The SHA-256 of a token. Digests are what gets compared, so both sides always have 32 bytes. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Whether `presented` is the token whose digest is `expected`, in a time that depends on neither
 * token's content nor length: `timingSafeEqual` alone would throw on (and so reveal) a length
 * difference, so the presented token is hashed to the same 32 bytes first.
 */
export function tokenMatches(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(tokenDigest(presented), expected);
}

/**
 * The configured admin tokens, held only as digests, and who a presented token authenticates.
 * Validation errors name the option, never its value.
 */
@Injectable()
export class AdminTokens {
  private readonly admin: Buffer;
  private readonly readonly: Buffer | undefined;

  constructor(@Inject(ADMIN_OPTIONS) options: AdminModuleOptions) {
    checkToken('token', options.token);
    if (options.readonlyToken !== undefined) {
      checkToken('readonlyToken', options.readonlyToken);
      if (options.readonlyToken === options.token) {
        throw new Error('AdminModule: "readonlyToken" must differ from "token"');
      }
    }
    this.admin = tokenDigest(options.token);
    this.readonly = options.readonlyToken === undefined ? undefined : tokenDigest(options.readonlyToken);
  }

  /** The actor `presented` authenticates, or undefined for an unknown token. */
  actorOf(presented: string): AdminActorName | undefined {
    // Both comparisons always run, so the time taken does not tell which token was tried.
    const isAdmin = tokenMatches(presented, this.admin);
    const isReadonly = this.readonly !== undefined && tokenMatches(presented, this.readonly);
    if (isAdmin) return 'admin';
    if (isReadonly) return 'admin-readonly';
    return undefined;
  }
}

function checkToken(name: string, value: unknown): void {
  if (typeof value !== 'string' || !TOKEN_PATTERN.test(value)) {
    throw new Error(`AdminModule: "${name}" must be a non-empty string of visible ASCII characters (no spaces)`);
  }
}
