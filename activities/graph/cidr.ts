import { isIP } from 'node:net';
import type { CidrRange } from './schemas';

/** IPv4 and IPv6 CIDR ranges as Conditional Access named locations hold them. */

export interface ParsedRange {
  family: 4 | 6;
  bits: number;
  value: bigint;
}

function addressValue(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const expand = (groups: string[]) =>
    groups.flatMap((g) =>
      g.includes('.')
        ? [Number(addressValue(g, 4) >> 16n).toString(16), Number(addressValue(g, 4) & 0xffffn).toString(16)]
        : [g],
    );
  const l = expand(left);
  const r = expand(right);
  const groups = tail === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

export function parseRange(cidr: string): ParsedRange | undefined {
  const [address, bitsText] = cidr.split('/');
  const family = isIP(address ?? '');
  if (family !== 4 && family !== 6) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  return { family, bits, value: addressValue(address!, family) };
}

export function covers(range: ParsedRange, ip: ParsedRange): boolean {
  if (range.family !== ip.family) return false;
  const width = range.family === 4 ? 32 : 128;
  const shift = BigInt(width - range.bits);
  return range.value >> shift === ip.value >> shift;
}

export function sameRange(a: ParsedRange, b: ParsedRange): boolean {
  return a.family === b.family && a.bits === b.bits && a.value === b.value;
}

/** The single-address range this product adds for an IP; undefined when `ip` is not an IP address. */
export function hostRange(ip: string): CidrRange | undefined {
  const family = isIP(ip);
  if (family === 4) return { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: `${ip}/32` };
  if (family === 6) return { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: `${ip}/128` };
  return undefined;
}

/** Whether any of `ranges` covers `ip` (a wider range someone else added counts). */
export function anyCovers(ranges: CidrRange[], ip: string): boolean {
  const parsed = parseRange(ip);
  return (
    parsed !== undefined &&
    ranges.some((r) => {
      const p = parseRange(r.cidrAddress);
      return p !== undefined && covers(p, parsed);
    })
  );
}

/** Whether `range` is exactly the single-address range of `ip` (the only kind this product removes). */
export function isHostRangeOf(range: CidrRange, ip: string): boolean {
  const a = parseRange(range.cidrAddress);
  const b = parseRange(ip);
  return a !== undefined && b !== undefined && sameRange(a, b);
}
