/**
 * A value now, or a promise of it. The decision path returns one so that a decision made in
 * process (the memory store, a cached denial) costs no promise and no microtask at any of its
 * layers (guard, limiter, trace span, store).
 */
export type Awaitable<T> = T | Promise<T>;

/** `fn(value)` now when `value` is not a promise, else once it resolves. */
export function whenReady<T, R>(value: Awaitable<T>, fn: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
