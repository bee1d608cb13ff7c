/** A service allowed to call `/v1/check`: the name it is known by (logs, counts) and its bearer token. */
export interface CheckCallerToken {
  /** 1 to 64 of `[a-z0-9._-]`. */
  readonly name: string;
  /** 16 to 1024 printable ASCII characters without spaces. */
  readonly token: string;
}

/** Options of `CheckModule.forRoot` (CHECK_TOKENS, TRUSTED_PROXIES). */
export interface CheckModuleOptions {
  /**
   * The services that may call `/v1/check`, `/v1/check/release` and `/v1/check/auth-request`, each
   * with its own token. None (the embedded quick start's default): anyone who reaches the port may,
   * but a body's `ip` is then refused (400), since only an authenticated caller may say whose
   * address a check is for.
   */
  readonly callerTokens: readonly CheckCallerToken[];
  /**
   * TRUSTED_PROXIES, as Fastify's `trustProxy` takes them: only these peers may name the client of
   * `/v1/check/auth-request` (`X-Real-IP`, `X-Forwarded-For`). None by default: no one may.
   */
  readonly trustedProxies?: readonly string[];
}

export const CHECK_OPTIONS = Symbol('CheckModuleOptions');
