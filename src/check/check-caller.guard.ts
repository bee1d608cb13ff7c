import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readCredential, tokenDigest, tokenMatches } from '../admin/index.js';
import { errorBody } from '../http/error-body.js';
import { CHECK_OPTIONS, type CheckModuleOptions } from './check.options.js';

/** The request as this guard leaves it: `checkCaller` names the authenticated service, if any. */
export interface CheckedCallerRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  checkCaller?: string;
}

/**
 * With CHECK_TOKENS set, `/v1/check` answers only services that present one of the tokens
 * (`Authorization: Bearer`), 401 otherwise, before its body is even read; the token's name goes
 * on the request (`checkCaller`). Without, every caller is anonymous. Every token is compared, in
 * constant time, whichever matches: the time says nothing about which one did.
 */
@Injectable()
export class CheckCallerGuard implements CanActivate {
  private readonly tokens: readonly { readonly name: string; readonly digest: Buffer }[];

  constructor(@Inject(CHECK_OPTIONS) options: CheckModuleOptions) {
    this.tokens = options.callerTokens.map(({ name, token }) => ({ name, digest: tokenDigest(token) }));
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.tokens.length === 0) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<CheckedCallerRequest>();
    const credential = readCredential(request.headers.authorization);
    let caller: string | undefined;
    if (credential.kind === 'bearer') {
      for (const { name, digest } of this.tokens) if (tokenMatches(credential.token, digest)) caller = name;
    }
    if (caller === undefined) {
      http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="floodgate-check"');
      const message = credential.kind === 'missing' ? 'a caller token is required' : 'the caller token is not valid';
      throw new HttpException(errorBody(HttpStatus.UNAUTHORIZED, message), HttpStatus.UNAUTHORIZED);
    }
    request.checkCaller = caller;
    return true;
  }
}
