/**
 * The names of `Object.prototype`'s members (`__proto__`, `constructor`, `toString`, ...). A body
 * field of one of these names is refused wherever bodies are validated: class-validator's
 * whitelist looks names up in a plain object and takes them for declared fields, and
 * class-transformer drops or trips on some (`constructor`, nested).
 */
export const OBJECT_PROTOTYPE_KEYS: readonly string[] = Object.freeze(Object.getOwnPropertyNames(Object.prototype));
