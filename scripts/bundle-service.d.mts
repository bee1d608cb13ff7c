// Types of bundle-service.mjs (plain ESM: the build script runs it without a TypeScript loader).

/** Bundles `<outDir>/server.js` (already compiled) into `<outDir>/server.bundle.cjs`, with its code cache. */
export function bundleService(outDir: string): Promise<void>;

/**
 * `text` (a bundle) with each `const x = __name(<anonymous function>, "x")` made `const x =
 * <function>` (and so for `x: __name(...)` in object literals): the function gets the same name.
 */
export function unwrapInferredNames(text: string): string;
