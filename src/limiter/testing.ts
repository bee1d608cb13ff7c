/**
 * For authors of a `RateLimitStore`: the contract suite the built-in stores pass, as
 * `import { describeStoreContract } from '@floodgate/limiter/testing'` (a Jest test file; it
 * imports `@jest/globals`). Apart from the main entry, so that an app never loads a test framework.
 */
export { describeStoreContract, type StoreUnderTest } from './store/store.contract.js';
