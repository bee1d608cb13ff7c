import type { AllowlistEntry, Block } from '../db/index.js';
import type { InvalidRowHandler } from '../rules/index.js';
import { type IpRange, IpRangeMap, parseIpRange } from './ip-ranges.js';

/** The rules snapshot's sections these lists are compiled from (`SnapshotLoad.sections`). */
export const BLOCKS_SECTION = 'blocks';
export const ALLOWLIST_SECTION = 'allowlist';

/** What a block names: a `/v1/check` client id, an API key (by id), or an address or range. */
export const BLOCK_TYPES = ['clientId', 'apiKey', 'ip'] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

/** What an allow-list entry names: as a block, or a route (its name, as rules target it). */
export const ALLOW_TYPES = [...BLOCK_TYPES, 'route'] as const;
export type AllowType = (typeof ALLOW_TYPES)[number];

/** A block in force, as the request path needs it. */
export interface ActiveBlock {
  readonly id: string;
  readonly type: BlockType;
  readonly value: string;
  readonly publicReason: string | null;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** Who is asking, as far as the gate knows it. */
export interface AccessCaller {
  readonly ip?: string;
  readonly clientId?: string;
  /** A valid API key's id. */
  readonly apiKeyId?: string;
  readonly route?: string;
}

export type AccessVerdict =
  | { readonly kind: 'blocked'; readonly block: ActiveBlock }
  | { readonly kind: 'allowed'; readonly by: AllowType }
  | { readonly kind: 'none' };

const NONE: AccessVerdict = Object.freeze({ kind: 'none' });

/** Without a handler, a row that cannot be enforced is an error naming it (`block <id>: ...`). */
function refuseRow(what: string): InvalidRowHandler {
  return (id, reason) => {
    throw new Error(`${what} ${id}: ${reason}`);
  };
}

/** The blocks of one rules snapshot, compiled for the request path. */
export class BlockList {
  static readonly EMPTY = new BlockList([]);

  readonly byId = { clientId: new Map<string, ActiveBlock[]>(), apiKey: new Map<string, ActiveBlock[]>() };
  readonly byRange: IpRangeMap<ActiveBlock[]>;
  /** How many stored rows it enforces. */
  readonly size: number;

  /**
   * @param invalid told of each stored block it cannot enforce (an unknown type, a value that is
   *   not an address), which it leaves out; throws by default.
   */
  constructor(rows: readonly Block[], invalid: InvalidRowHandler = refuseRow('block')) {
    let skipped = 0;
    const skip: InvalidRowHandler = (id, reason) => {
      skipped++;
      invalid(id, reason);
    };
    const ranges = new Map<string, { range: IpRange; blocks: ActiveBlock[] }>();
    for (const row of rows) {
      if (!(BLOCK_TYPES as readonly string[]).includes(row.type)) {
        skip(row.id, `unknown type "${row.type}"`);
        continue;
      }
      const block = toActiveBlock(row);
      if (block.type === 'ip') {
        const range = parseIpRange(block.value);
        if (range === undefined) {
          skip(block.id, `"${block.value}" is not an address or a range`);
          continue;
        }
        const entry = ranges.get(block.value) ?? { range, blocks: [] };
        entry.blocks.push(block);
        ranges.set(block.value, entry);
      } else {
        const byValue = this.byId[block.type];
        byValue.set(block.value, [...(byValue.get(block.value) ?? []), block]);
      }
    }
    this.byRange = new IpRangeMap([...ranges.values()].map(({ range, blocks }) => [range, blocks] as const));
    this.size = rows.length - skipped;
  }
}

/** The allow list of one rules snapshot, compiled for the request path. */
export class AllowList {
  static readonly EMPTY = new AllowList([]);

  readonly byId = { clientId: new Set<string>(), apiKey: new Set<string>(), route: new Set<string>() };
  readonly byRange: IpRangeMap<true>;
  /** How many stored rows it enforces. */
  readonly size: number;

  /** @param invalid told of each stored entry it cannot enforce, which it leaves out; throws by default. */
  constructor(rows: readonly AllowlistEntry[], invalid: InvalidRowHandler = refuseRow('allow-list entry')) {
    let skipped = 0;
    const skip: InvalidRowHandler = (id, reason) => {
      skipped++;
      invalid(id, reason);
    };
    const ranges: [IpRange, true][] = [];
    for (const row of rows) {
      if (row.type === 'ip') {
        const range = parseIpRange(row.value);
        if (range === undefined) skip(row.id, `"${row.value}" is not an address or a range`);
        else ranges.push([range, true]);
      } else if (row.type === 'clientId' || row.type === 'apiKey' || row.type === 'route') {
        this.byId[row.type].add(row.value);
      } else {
        skip(row.id, `unknown type "${row.type}"`);
      }
    }
    this.byRange = new IpRangeMap(ranges);
    this.size = rows.length - skipped;
  }
}

/**
 * The blocks and the allow list of one rules snapshot: who is refused outright, who is never
 * limited.
 *
 * Precedence, per kind of caller:
 * - an address: the most specific entry covering it decides, a block winning a tie (so an
 *   allow-listed address inside a blocked range gets through, a blocked address inside an
 *   allow-listed range does not);
 * - a client id or an API key: a block wins over an allow entry for the same one.
 * Then across kinds: any block refuses (a blocked key stays blocked on an allow-listed route, from
 * an allow-listed address); otherwise any allow entry, or an allow-listed route, exempts.
 * An expired block is ignored at once, without waiting for a reload.
 */
export class AccessLists {
  static readonly EMPTY = new AccessLists(BlockList.EMPTY, AllowList.EMPTY);

  constructor(
    readonly blocks: BlockList,
    readonly allows: AllowList,
  ) {}

  verdict(caller: AccessCaller, now = Date.now()): AccessVerdict {
    let allowedBy: AllowType | undefined;
    // Parsed once for both maps, and only when either holds a range (none usually does).
    const host =
      caller.ip !== undefined && (this.blocks.byRange.size > 0 || this.allows.byRange.size > 0)
        ? parseIpRange(caller.ip)
        : undefined;
    if (host !== undefined) {
      const block = this.rangeBlock(host, now);
      const allow = this.allows.byRange.match(host);
      if (block !== undefined && (allow === undefined || block.prefixLength >= allow.prefixLength)) {
        return { kind: 'blocked', block: block.block };
      }
      if (allow !== undefined) allowedBy = 'ip';
    }
    if (caller.clientId !== undefined) {
      const block = active(this.blocks.byId.clientId.get(caller.clientId), now);
      if (block !== undefined) return { kind: 'blocked', block };
      if (this.allows.byId.clientId.has(caller.clientId)) allowedBy ??= 'clientId';
    }
    if (caller.apiKeyId !== undefined) {
      const block = active(this.blocks.byId.apiKey.get(caller.apiKeyId), now);
      if (block !== undefined) return { kind: 'blocked', block };
      if (this.allows.byId.apiKey.has(caller.apiKeyId)) allowedBy ??= 'apiKey';
    }
    if (allowedBy === undefined && caller.route !== undefined && this.allows.byId.route.has(caller.route)) {
      allowedBy = 'route';
    }
    return allowedBy === undefined ? NONE : { kind: 'allowed', by: allowedBy };
  }

  /** The most specific range block in force covering `host` (a narrower one that expired uncovers a wider one). */
  private rangeBlock(host: IpRange, now: number): { block: ActiveBlock; prefixLength: number } | undefined {
    for (const match of this.blocks.byRange.matches(host)) {
      const block = active(match.value, now);
      if (block !== undefined) return { block, prefixLength: match.prefixLength };
    }
    return undefined;
  }
}

/** The block of `blocks` in force at `now` that lasts longest. */
function active(blocks: readonly ActiveBlock[] | undefined, now: number): ActiveBlock | undefined {
  let found: ActiveBlock | undefined;
  for (const block of blocks ?? [])
    if (block.expiresAt > now && (found === undefined || block.expiresAt > found.expiresAt)) found = block;
  return found;
}

/** A stored block of a known type, as the request path needs it. */
function toActiveBlock(row: Block): ActiveBlock {
  return {
    id: row.id,
    type: row.type as BlockType,
    value: row.value,
    publicReason: row.publicReason,
    expiresAt: row.expiresAt.getTime(),
  };
}
