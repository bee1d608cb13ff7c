// The ESM @nestjs/common, as `share-nestjs-common.ts` imported it before the test file (see resolver.cjs).
const shared = globalThis[Symbol.for('floodgate.test.nestjs-common')];
if (shared === undefined)
  throw new Error('@nestjs/common was required before test/support/jest/share-nestjs-common.ts ran');
module.exports = shared;
