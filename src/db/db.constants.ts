/** Injection token of `DbModuleOptions`. */
export const DB_OPTIONS = Symbol('DB_OPTIONS');
