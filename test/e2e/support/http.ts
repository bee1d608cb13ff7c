/** How e2e tests reach the apps they start: over a real loopback socket, JSON in and out. */
import type { INestApplication } from '@nestjs/common';

/** Listens on an ephemeral loopback port and returns the app's URL (Nest may name it [::1] or localhost). */
export async function listenOnLoopback(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
}

/**
 * Sends a request to `url`: `body` as JSON (a string as it is), `token` as the bearer when given.
 */
export function sendJson(
  url: string,
  method: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token !== undefined) headers.set('authorization', `Bearer ${options.token}`);
  if (options.body === undefined) return fetch(url, { method, headers });
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return fetch(url, { method, headers, body });
}
