/**
 * A rule's `match.resource`, compiled once: `*` is any run of characters (empty included), every
 * other character is itself (`GET /a.b?(c)` has no regex in it), and the whole resource must match.
 *
 * Matching splits on the stars once and then only calls `startsWith`/`indexOf`/`endsWith`: no
 * RegExp, so no backtracking blow-up from a pattern like `*a*a*a*a*b`, and nothing allocated per call.
 *
 * @example
 * const p = ResourcePattern.compile('GET /v1/*');
 * p.matches('GET /v1/users/:id'); // true
 * p.literalLength;                // 8: more literal characters = more specific
 */
export class ResourcePattern {
  private constructor(
    /** The pattern as written. */
    readonly source: string,
    /** True when there is no `*`: the resource must equal `source`. */
    readonly exact: boolean,
    /** Characters other than `*`: among globs, the one with more of them is the more specific. */
    readonly literalLength: number,
    private readonly prefix: string,
    private readonly middles: readonly string[],
    private readonly suffix: string,
  ) {}

  static compile(source: string): ResourcePattern {
    const parts = source.split('*');
    if (parts.length === 1) return new ResourcePattern(source, true, source.length, source, [], '');
    const middles = parts.slice(1, -1).filter((part) => part !== '');
    return new ResourcePattern(source, false, source.length - parts.length + 1, parts[0]!, middles, parts.at(-1)!);
  }

  matches(resource: string): boolean {
    if (this.exact) return resource === this.source;
    const end = resource.length - this.suffix.length;
    if (end < this.prefix.length || !resource.startsWith(this.prefix) || !resource.endsWith(this.suffix)) return false;
    // Taking each middle part at its first place left of the suffix is always right: a star can
    // swallow whatever lies between, so an earlier place never rules out a match a later one allows.
    let from = this.prefix.length;
    for (const middle of this.middles) {
      const at = resource.indexOf(middle, from);
      if (at < 0 || at + middle.length > end) return false;
      from = at + middle.length;
    }
    return true;
  }
}
