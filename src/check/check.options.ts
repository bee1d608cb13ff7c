/** A service allowed to call `/v1/check`: the name it is known by (logs, counts) and its bearer token. */
export interface CheckCallerToken {
  /** 1 to 64 of `[a-z0-9._-]`. */
  readonly name: string;
  /** 16 to 1024 printable ASCII characters without spaces. */
  readonly token: string;
}

/** Options of `CheckModule.forRoot` (CHECK_TOKENS). */
export interface CheckModuleOptions {
  /**
   * The services that may call `/v1/check` and `/v1/check/release`, each with its own token. None
   * (the embedded quick start's default): anyone who reaches the port may, but a body's `ip` is
   * then refused (400), since only an authenticated caller may say whose address a check is for.
   */
  readonly callerTokens: readonly CheckCallerToken[];
}

export const CHECK_OPTIONS = Symbol('CheckModuleOptions');
