import type { AdminActorName } from './admin.options.js';

// Keyed by the request object itself, so nothing is added to Fastify's or Express's request.
const actors = new WeakMap<object, AdminActorName>();

/** Records who the guard authenticated for this request. */
export function rememberActor(request: object, actor: AdminActorName): void {
  actors.set(request, actor);
}

/** Who the guard authenticated for this request, if it ran. */
export function actorOf(request: object): AdminActorName | undefined {
  return actors.get(request);
}
