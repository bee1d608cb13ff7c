// Jest's resolver, with one exception. @willsoto/nestjs-prometheus is CommonJS and require()s
// @nestjs/common, which is ESM only: Node 20 runs that (require(esm)), Jest's module system only
// from Node 24.9. So a require() of @nestjs/common gets `nestjs-common.cjs`, which hands out the
// very module the ESM imports load (one copy of Nest, as in production); imports resolve as usual.
const path = require('node:path');

module.exports = (request, options) => {
  if (request === '@nestjs/common' && options.conditions?.includes('require')) {
    return path.join(__dirname, 'nestjs-common.cjs');
  }
  return options.defaultResolver(request, options);
};
