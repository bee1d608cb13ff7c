import {
  Controller,
  Get,
  Injectable,
  Module,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { RateLimit, RateLimitGuard, RateLimitModule } from '../../../src/limiter/index.js';
import { PLATFORMS, startApp, statuses, type TestApp } from './support/start-app.js';

const MINUTE = 60_000;

/** Stands in for an auth guard: `x-user` becomes `request.user` (`sub` when prefixed with `sub:`). */
@Injectable()
class FakeAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: object }>();
    const user = request.headers['x-user'];
    if (user !== undefined) request.user = user.startsWith('sub:') ? { sub: user.slice(4) } : { id: Number(user) };
    return true;
  }
}

@Controller('who')
class IdentityController {
  @RateLimit({ limit: 1, windowMs: MINUTE })
  @Get('ip')
  ip() {
    return { ok: true };
  }

  @RateLimit({ limit: 1, windowMs: MINUTE, key: 'apiKey' })
  @Get('api-key')
  apiKey() {
    return { ok: true };
  }

  @RateLimit({
    limit: 1,
    windowMs: MINUTE,
    key: (context) =>
      context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-tenant'] ?? '',
  })
  @Get('tenant')
  tenant() {
    return { ok: true };
  }
}

@Controller('guarded')
class GuardedController {
  @UseGuards(FakeAuthGuard, RateLimitGuard)
  @RateLimit({ limit: 1, windowMs: MINUTE, key: 'user' })
  @Get('user')
  user() {
    return { ok: true };
  }

  @RateLimit({ limit: 1, windowMs: MINUTE })
  @Get('unguarded')
  unguarded() {
    return { ok: true };
  }
}

@UseGuards(RateLimitGuard)
@RateLimit({ limit: 1, windowMs: MINUTE })
@Controller('guarded-class')
class GuardedClassController {
  @Get()
  get() {
    return { ok: true };
  }
}

@Module({ imports: [RateLimitModule.forRoot({})], controllers: [IdentityController] })
class IdentityModule {}

@Module({
  imports: [RateLimitModule.forRoot({ global: false })],
  controllers: [GuardedController, GuardedClassController],
})
class NotGlobalModule {}

const headers = (values: Record<string, string>): RequestInit => ({ headers: values });

describe.each(PLATFORMS)('client identity on %s', (platform) => {
  describe('behind no trusted proxy', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, IdentityModule);
    });
    afterAll(() => app.close());

    it('ignores a spoofed X-Forwarded-For: the socket address is the client', async () => {
      expect(await statuses(app, '/who/ip', 1, headers({ 'x-forwarded-for': '198.51.100.1' }))).toEqual([200]);
      expect(await statuses(app, '/who/ip', 1, headers({ 'x-forwarded-for': '198.51.100.2' }))).toEqual([429]);
    });

    it('counts each API key on its own, and requests without one by IP', async () => {
      expect(await statuses(app, '/who/api-key', 2, headers({ 'x-api-key': 'alpha' }))).toEqual([200, 429]);
      expect(await statuses(app, '/who/api-key', 1, headers({ 'x-api-key': 'beta' }))).toEqual([200]);
      expect(await statuses(app, '/who/api-key', 2)).toEqual([200, 429]);
    });

    it('counts by what a key function returns', async () => {
      expect(await statuses(app, '/who/tenant', 2, headers({ 'x-tenant': 'acme' }))).toEqual([200, 429]);
      expect(await statuses(app, '/who/tenant', 1, headers({ 'x-tenant': 'globex' }))).toEqual([200]);
    });
  });

  describe('behind a trusted proxy (127.0.0.1)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, IdentityModule, { trustProxy: ['127.0.0.1'] });
    });
    afterAll(() => app.close());

    it('counts the right-most untrusted hop of X-Forwarded-For', async () => {
      const viaProxy = (chain: string) => headers({ 'x-forwarded-for': chain });
      expect(await statuses(app, '/who/ip', 1, viaProxy('192.0.2.1, 203.0.113.9'))).toEqual([200]);
      // A different (spoofed) left part, same real client: the same counter.
      expect(await statuses(app, '/who/ip', 1, viaProxy('192.0.2.2, 203.0.113.9'))).toEqual([429]);
      expect(await statuses(app, '/who/ip', 1, viaProxy('203.0.113.10'))).toEqual([200]);
    });

    it('groups IPv6 clients by /64 and maps IPv4-mapped addresses to IPv4', async () => {
      const from = (ip: string) => headers({ 'x-forwarded-for': ip });
      expect(await statuses(app, '/who/ip', 1, from('2001:db8:1:2::1'))).toEqual([200]);
      expect(await statuses(app, '/who/ip', 1, from('2001:db8:1:2:ffff::9'))).toEqual([429]);
      expect(await statuses(app, '/who/ip', 1, from('2001:db8:1:3::1'))).toEqual([200]);
      expect(await statuses(app, '/who/ip', 1, from('198.51.100.77'))).toEqual([200]);
      expect(await statuses(app, '/who/ip', 1, from('::ffff:198.51.100.77'))).toEqual([429]);
    });
  });

  describe('with global: false', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, NotGlobalModule);
    });
    afterAll(() => app.close());

    it('limits only where @UseGuards(RateLimitGuard) applies', async () => {
      expect(await statuses(app, '/guarded/unguarded', 3)).toEqual([200, 200, 200]);
      expect(await statuses(app, '/guarded-class', 2)).toEqual([200, 429]);
    });

    it("counts by the user's id or sub, and anonymous requests by IP", async () => {
      expect(await statuses(app, '/guarded/user', 2, headers({ 'x-user': '7' }))).toEqual([200, 429]);
      expect(await statuses(app, '/guarded/user', 1, headers({ 'x-user': '8' }))).toEqual([200]);
      expect(await statuses(app, '/guarded/user', 2, headers({ 'x-user': 'sub:auth0|1' }))).toEqual([200, 429]);
      expect(await statuses(app, '/guarded/user', 2)).toEqual([200, 429]);
    });
  });
});
