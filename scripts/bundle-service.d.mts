// Types of bundle-service.mjs (plain ESM: the build script runs it without a TypeScript loader).

/** Bundles `<outDir>/server.js` (already compiled) into `<outDir>/server.bundle.cjs`, with its code cache. */
export function bundleService(outDir: string): Promise<void>;
