import { isIPv4, isIPv6 } from 'node:net';

const IPV6_GROUPS = 8;
const PREFIX_GROUPS = 4; // a /64: what one subscriber line or host is given, so its own addresses are one visitor

/**
 * The part of a source address that names one visitor: an IPv4 address whole (/32), an IPv6 address's /64 (a
 * host picks any address in its /64 at will), an IPv4-mapped IPv6 address (`::ffff:203.0.113.9`) as its IPv4.
 * Canonical, so every spelling of one address gives one key: `2001:DB8::1` and `2001:db8:0:0:1::` → `2001:db8:0:0::/64`.
 * Anything that is not an IP address (API Gateway always sends one) is kept as it is, lower-cased.
 */
export function visitorAddress(sourceIp: string): string {
  const address = sourceIp.trim().replace(/%.*$/, ''); // a zone id (fe80::1%eth0) is local, not part of the address
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return sourceIp.trim().toLowerCase();
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups.slice(0, PREFIX_GROUPS).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = text.match(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : Array<number>(IPV6_GROUPS - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
