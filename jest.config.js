/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // A CommonJS require() of the ESM-only @nestjs/common (from @nestjs-prometheus) gets the ESM module.
  resolver: '<rootDir>/test/support/jest/resolver.cjs',
  setupFiles: ['<rootDir>/test/support/jest/share-nestjs-common.ts'],
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
};
