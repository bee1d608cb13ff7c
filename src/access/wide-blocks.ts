import type { BlockType } from './access-lists.js';
import { parseIpRange } from './ip-ranges.js';

/** The narrowest prefix of each family an address block may have without `force: true`. */
export interface BlockMinPrefix {
  readonly ipv4: number;
  readonly ipv6: number;
}

/**
 * Why an address block is too wide to write without `force: true`, else undefined: `0.0.0.0/0` or
 * `::/0` refuses every caller, so it must be asked for explicitly. Only address blocks have a width.
 */
export function wideBlockReason(type: BlockType, value: string, minPrefix: BlockMinPrefix): string | undefined {
  if (type !== 'ip') return undefined;
  const range = parseIpRange(value);
  if (range === undefined) return undefined;
  const min = minPrefix[range.family];
  if (range.prefixLength >= min) return undefined;
  const family = range.family === 'ipv4' ? 'IPv4' : 'IPv6';
  return `is wider than /${min}, the widest ${family} range blocked without force: send "force": true to block it`;
}
