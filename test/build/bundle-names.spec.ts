/**
 * The bundle's `__name()` calls that only repeat the name JavaScript already gives a function
 * assigned to a binding or a property are taken out (they ran per call of the enclosing function).
 * Every function must keep the name it had with them.
 */
import { describe, expect, it } from '@jest/globals';
import { unwrapInferredNames } from '../../scripts/bundle-service.mjs';

/** esbuild's helper, as the bundle defines it. */
const NAME_HELPER =
  'var __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });';

/** The names of the functions `body` returns (an object of them), run with the helper. */
function namesOf(body: string): Record<string, string> {
  const made = new Function(`${NAME_HELPER}\n${body}`)() as Record<string, { name: string }>;
  return Object.fromEntries(Object.entries(made).map(([key, fn]) => [key, fn.name]));
}

const SOURCE = `
const onEnd = /* @__PURE__ */ __name((error) => {
  const inner = /* @__PURE__ */ __name(function() {
    return error;
  }, "inner");
  return inner;
}, "onEnd");
let later = /* @__PURE__ */ __name(async () => 1, "later");
const handler = { handle: /* @__PURE__ */ __name(() => 2, "handle") };
const renamed = /* @__PURE__ */ __name(() => 3, "original");
const named = /* @__PURE__ */ __name(function own() { return 4; }, "named");
const proto = { __proto__: /* @__PURE__ */ __name(() => 5, "__proto__") };
return { onEnd, inner: onEnd(), later, handle: handler.handle, renamed, named, proto: Object.getPrototypeOf(proto) };
`;

describe('unwrapInferredNames', () => {
  it('takes out the calls whose name is the inferred one, and only those', () => {
    const unwrapped = unwrapInferredNames(SOURCE);
    expect(unwrapped).toContain('const onEnd = (error) => {');
    expect(unwrapped).toContain('const inner = function() {');
    expect(unwrapped).toContain('let later = async () => 1;');
    expect(unwrapped).toContain('{ handle: () => 2 }');
    // A name other than the binding's, a function with a name of its own, `__proto__`: kept.
    expect(unwrapped).toContain('__name(() => 3, "original")');
    expect(unwrapped).toContain('__name(function own() { return 4; }, "named")');
    expect(unwrapped).toContain('__name(() => 5, "__proto__")');
  });

  it('leaves every function with the name it had', () => {
    const before = namesOf(SOURCE);
    expect(before).toEqual({
      onEnd: 'onEnd',
      inner: 'inner',
      later: 'later',
      handle: 'handle',
      renamed: 'original',
      named: 'named',
      proto: '__proto__',
    });
    expect(namesOf(unwrapInferredNames(SOURCE))).toEqual(before);
  });

  it('leaves text without such calls as it is', () => {
    const text = 'const a = 1;\n__name(f, "g");\n';
    expect(unwrapInferredNames(text)).toBe(text);
  });
});
