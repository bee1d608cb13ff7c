/**
 * The service's whole OpenAPI document, as `/docs/json` serves it, checked against the routes the
 * app really has: every route has a summary and a response schema, and every query parameter a
 * route validates (the properties of its query class) and every header it reads is documented.
 * The document is validated against the OpenAPI schema by a real validator, every `$ref` resolved.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ModulesContainer } from '@nestjs/core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { getMetadataStorage } from 'class-validator';
import { json, type RunningService, startService, useServiceDatabase } from './service-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A route of the running app, read from its controllers' metadata. */
interface Route {
  readonly name: string;
  /** The document's key: `/v1/admin/rules/{id}`. */
  readonly path: string;
  readonly method: string;
  /** The class its `@Query()` is validated with: null when it reads a query without one. */
  readonly queryClass: (new () => object) | null | undefined;
  /** The headers it reads with `@Headers(name)`. */
  readonly headers: readonly string[];
}

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

/** Every route of every controller the app mounted, but those the document leaves out on purpose. */
function routesOf(service: RunningService): Route[] {
  const routes: Route[] = [];
  for (const module of service.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (controller === null || Reflect.getMetadata('swagger/apiExcludeController', controller)) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const prototype = controller.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const own = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || own === undefined) continue;
        const path = `/${[base, own].filter((part) => part !== '' && part !== '/').join('/')}`.replace(
          /:(\w+)/g,
          '{$1}',
        );
        const types = (Reflect.getMetadata('design:paramtypes', prototype, key) ?? []) as unknown[];
        const kindOf = (entry: string) => Number(entry.split(':')[0]);
        const entries = Object.entries(
          (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {}) as Record<
            string,
            { index: number; data?: unknown }
          >,
        );
        const query = entries.find(([entry]) => kindOf(entry) === RouteParamtypes.QUERY)?.[1];
        const queryType = query === undefined ? undefined : types[query.index];
        const queryClass =
          query === undefined ? undefined : typeof queryType === 'function' && queryType !== Object ? queryType : null;
        const headers = entries
          .filter(([entry]) => kindOf(entry) === RouteParamtypes.HEADERS)
          .map(([, arg]) => String(arg.data));
        routes.push({
          name: `${method.toUpperCase()} ${path}`,
          path,
          method,
          queryClass: queryClass as Route['queryClass'],
          headers,
        });
      }
    }
  }
  return routes;
}

/** The properties class-validator checks on `type` (its own and inherited): what a query may hold. */
function validatedProperties(type: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', false, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))].sort();
}

/** A response's schema, following a `$ref` to a shared response if there is one. */
function schemaOf(response: Json): Json | undefined {
  return response.content?.['application/json']?.schema;
}

describe('the OpenAPI document of the whole service', () => {
  useServiceDatabase();
  let service: RunningService;
  let document: Json;
  let routes: Route[];

  beforeAll(async () => {
    service = await startService();
    const response = await fetch(`${service.url}/docs/json`);
    expect(response.status).toBe(200);
    document = await json<Json>(response);
    routes = routesOf(service);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('is a valid OpenAPI document whose every $ref resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('finds the routes to walk (the walk itself is not empty)', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.map((route) => route.name)).toEqual(
      expect.arrayContaining(['GET /v1/admin/counters', 'POST /v1/check', 'GET /v1/admin/rules/{id}']),
    );
  });

  it('documents every route of the app, each with a summary and a response schema', () => {
    const missing: string[] = [];
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method] as Json | undefined;
      if (operation === undefined) {
        missing.push(`${route.name}: not in the document`);
        continue;
      }
      if (typeof operation.summary !== 'string' || operation.summary.trim() === '') {
        missing.push(`${route.name}: no summary`);
      }
      const success = Object.entries(operation.responses as Json).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) missing.push(`${route.name}: no success response`);
      for (const [status, response] of success) {
        // A 204 has no body by definition; every other success answer says what it holds.
        if (status !== '204' && schemaOf(response as Json) === undefined) {
          missing.push(`${route.name}: ${status} has no schema`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every query parameter a route validates, from the class it validates them with', () => {
    const wrong: string[] = [];
    for (const route of routes) {
      if (route.queryClass === undefined) continue;
      if (route.queryClass === null) {
        wrong.push(`${route.name}: reads its query without a class to validate it`);
        continue;
      }
      const operation = document.paths[route.path]?.[route.method] as Json | undefined;
      const documented = ((operation?.parameters ?? []) as Json[])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => String(parameter.name))
        .sort();
      const validated = validatedProperties(route.queryClass);
      if (JSON.stringify(documented) !== JSON.stringify(validated)) {
        wrong.push(`${route.name}: documents [${documented.join(', ')}], validates [${validated.join(', ')}]`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents every header a route reads', () => {
    const missing: string[] = [];
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method] as Json | undefined;
      const documented = ((operation?.parameters ?? []) as Json[])
        .filter((parameter) => parameter.in === 'header')
        .map((parameter) => String(parameter.name).toLowerCase());
      for (const header of route.headers) {
        if (!documented.includes(header.toLowerCase())) missing.push(`${route.name}: reads ${header}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists the query parameters the operations routes take', () => {
    const queryOf = (path: string) =>
      ((document.paths[path].get.parameters ?? []) as Json[])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name as string)
        .sort();
    expect(queryOf('/v1/admin/counters')).toEqual(['clientId', 'ip', 'resource', 'rule']);
    expect(queryOf('/v1/admin/api-keys')).toEqual(['enabled', 'limit', 'offset', 'revoked', 'tier']);
    expect(queryOf('/v1/admin/blocks')).toEqual(['limit', 'offset', 'type']);
    expect(queryOf('/v1/admin/allowlist')).toEqual(['limit', 'offset', 'type']);
    expect(queryOf('/v1/admin/over-limit')).toEqual(['limit', 'offset']);
    expect(queryOf('/v1/admin/audit')).toEqual(['limit', 'offset', 'targetId', 'targetType']);
    expect(queryOf('/v1/admin/rules')).toEqual(['algorithm', 'enabled', 'limit', 'offset', 'resource']);
    const limit = (document.paths['/v1/admin/blocks'].get.parameters as Json[]).find((p) => p.name === 'limit')!;
    expect(limit).toMatchObject({
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    });
    const rule = (document.paths['/v1/admin/counters'].get.parameters as Json[]).find((p) => p.name === 'rule')!;
    expect(rule).toMatchObject({ required: true, schema: { type: 'string' } });
  });

  it("types an API key's owner, description and expiresAt as strings, nullable, expiresAt a date-time", () => {
    for (const name of ['CreateApiKeyDto', 'UpdateApiKeyDto']) {
      const { properties } = document.components.schemas[name] as Json;
      expect({ name, owner: properties.owner }).toEqual({
        name,
        owner: expect.objectContaining({ type: 'string', nullable: true, maxLength: 200 }),
      });
      expect(properties.description).toMatchObject({ type: 'string', nullable: true, maxLength: 500 });
      expect(properties.expiresAt).toMatchObject({ type: 'string', format: 'date-time', nullable: true });
      expect(properties.tier).toMatchObject({ type: 'string', minLength: 1, maxLength: 64 });
    }
  });

  it('gives the operations answers their schemas', () => {
    const okSchema = (path: string, method = 'get', status = '200') =>
      schemaOf(document.paths[path][method].responses[status])?.$ref as string | undefined;
    expect(okSchema('/v1/admin/counters')).toBe('#/components/schemas/CountersResponse');
    expect(okSchema('/v1/admin/blocks')).toBe('#/components/schemas/BlockList');
    expect(okSchema('/v1/admin/blocks', 'post', '201')).toBe('#/components/schemas/CreatedBlockResponse');
    expect(okSchema('/v1/admin/api-keys', 'post', '201')).toBe('#/components/schemas/CreatedApiKeyResponse');
    expect(okSchema('/v1/admin/over-limit')).toBe('#/components/schemas/OverLimitPage');
    expect(okSchema('/v1/admin/audit')).toBe('#/components/schemas/AuditList');
    const schemas = document.components.schemas as Json;
    expect(schemas.CreatedApiKeyResponse.required).toEqual(expect.arrayContaining(['key', 'id', 'rulesVersion']));
    expect(schemas.ApiKeyResponse.properties.expiresAt).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.CheckResponse.properties).toHaveProperty('leaseId');
    expect(schemas.CheckResponse.properties).toHaveProperty('blockedUntil');
    // Errors in the one shape: the pipe's 400 wherever a route reads input, the admin guard's 401/403.
    const error = '#/components/schemas/ErrorBody';
    expect(okSchema('/v1/admin/blocks', 'get', '400')).toBe(error);
    expect(okSchema('/v1/admin/blocks', 'post', '403')).toBe(error);
    expect(okSchema('/v1/admin/rules/{id}', 'get', '401')).toBe(error);
    expect(okSchema('/v1/check', 'post', '400')).toBe(error);
    expect(schemas.ErrorBody.required).toEqual(['statusCode', 'error', 'message']);
    expect(document.paths['/v1/admin/rules/version'].get.responses['400']).toBeUndefined();
  });
});
