import { ResourcePattern } from './resource-pattern.js';

/** The obvious definition, as a reference: escape everything, `*` becomes `[\s\S]*`, anchor. */
function reference(pattern: string, resource: string): boolean {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`).test(resource);
}

describe('ResourcePattern', () => {
  it('takes a resource without stars as exact', () => {
    const p = ResourcePattern.compile('GET /users');
    expect(p.exact).toBe(true);
    expect(p.literalLength).toBe(10);
    expect(p.matches('GET /users')).toBe(true);
    expect(p.matches('GET /users/1')).toBe(false);
    expect(p.matches('xGET /users')).toBe(false);
  });

  it('takes regex metacharacters literally', () => {
    const p = ResourcePattern.compile('GET /a.b?(c)');
    expect(p.matches('GET /a.b?(c)')).toBe(true);
    expect(p.matches('GET /aXb?(c)')).toBe(false);
    expect(p.matches('GET /a.b(c)')).toBe(false);
    expect(p.matches('GET /a.bb(c)')).toBe(false);
    const glob = ResourcePattern.compile('^[a-z]+$|*\\d');
    expect(glob.matches('^[a-z]+$|anything\\d')).toBe(true);
    expect(glob.matches('abc5')).toBe(false);
  });

  it('lets a star match any run of characters, none included, and anchors both ends', () => {
    const p = ResourcePattern.compile('GET /v1/*');
    expect(p.exact).toBe(false);
    expect(p.literalLength).toBe(8);
    expect(p.matches('GET /v1/')).toBe(true);
    expect(p.matches('GET /v1/users/:id')).toBe(true);
    expect(p.matches('GET /v1/a\nb')).toBe(true);
    expect(p.matches('POST /v1/users')).toBe(false);
    expect(p.matches('GET /v1')).toBe(false);
    expect(ResourcePattern.compile('*').matches('')).toBe(true);
    expect(ResourcePattern.compile('*/admin').matches('GET /admin')).toBe(true);
    expect(ResourcePattern.compile('*/admin').matches('GET /admin/x')).toBe(false);
  });

  it('does not let prefix and suffix share characters', () => {
    const p = ResourcePattern.compile('ab*ba');
    expect(p.matches('aba')).toBe(false);
    expect(p.matches('abba')).toBe(true);
    expect(ResourcePattern.compile('a*b*a').matches('aba')).toBe(true);
    expect(ResourcePattern.compile('a*bb*a').matches('abba')).toBe(true);
    expect(ResourcePattern.compile('a*bb*a').matches('abbb')).toBe(false);
  });

  it('counts only literal characters, whatever the stars', () => {
    expect(ResourcePattern.compile('a**b').literalLength).toBe(2);
    expect(ResourcePattern.compile('**').literalLength).toBe(0);
    expect(ResourcePattern.compile('**').matches('x')).toBe(true);
  });

  it('agrees with a regex reference on every pattern and resource over a small alphabet', () => {
    const alphabet = ['a', 'b', '*'];
    const words = (max: number, letters: readonly string[]): string[] => {
      const out = [''];
      for (let n = 0; n < out.length && out[n]!.length < max; n++) for (const c of letters) out.push(out[n]! + c);
      return out;
    };
    const patterns = words(5, alphabet);
    const resources = words(5, ['a', 'b']);
    for (const pattern of patterns) {
      const compiled = ResourcePattern.compile(pattern);
      for (const resource of resources) {
        if (compiled.matches(resource) !== reference(pattern, resource)) {
          throw new Error(`${JSON.stringify(pattern)} on ${JSON.stringify(resource)}`);
        }
      }
    }
    expect(patterns.length * resources.length).toBeGreaterThan(10_000);
  });

  it('answers a pattern that would make a backtracking regex explode', () => {
    const p = ResourcePattern.compile(`${'*a'.repeat(40)}*b`);
    expect(p.matches('a'.repeat(512))).toBe(false);
    expect(p.matches(`${'a'.repeat(511)}b`)).toBe(true);
  });
});
