import { describe, expect, it } from 'vitest';
import { visitorHash } from '../functions/discovery/clicks.ts';
import { visitorAddress } from '../functions/discovery/visitor-address.ts';

const SECRET = 'a-test-secret-of-at-least-32-characters';

describe('visitorAddress: the part of a source address that is one visitor', () => {
  it('keeps an IPv4 address whole (/32)', () => {
    expect(visitorAddress('203.0.113.9')).toBe('203.0.113.9');
    expect(visitorAddress('203.0.113.10')).toBe('203.0.113.10');
  });

  it('reduces an IPv6 address to its /64, the same for every spelling of it', () => {
    const spellings = ['2001:db8::1', '2001:DB8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:ffff:eeee:dddd:cccc',
      '2001:db8::', '2001:db8:0:0::1:2', '2001:db8::1%eth0'];
    for (const ip of spellings) expect(visitorAddress(ip), ip).toBe('2001:db8:0:0::/64');
    expect(visitorAddress('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(visitorAddress('::1')).toBe('0:0:0:0::/64');
    expect(visitorAddress('::')).toBe('0:0:0:0::/64');
    expect(visitorAddress('1:2:3:4:5:6:7:8')).toBe('1:2:3:4::/64');
    expect(visitorAddress('1::8')).toBe('1:0:0:0::/64');
  });

  it('reads an IPv4-mapped IPv6 address (dotted or hex) as the IPv4 address it maps', () => {
    expect(visitorAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(visitorAddress('::FFFF:203.0.113.9')).toBe('203.0.113.9');
    expect(visitorAddress('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(visitorAddress('0:0:0:0:0:ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('keeps an IPv6 address with an embedded IPv4 tail that is not a mapping in its /64', () => {
    expect(visitorAddress('64:ff9b::203.0.113.9')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps something that is not an address as it is (lower-cased)', () => {
    expect(visitorAddress('Unknown')).toBe('unknown');
  });
});

describe('visitorHash: a keyed hash of the visitor address only', () => {
  it('is the same for addresses in one IPv6 /64 and differs between /64s and between IPv4 addresses', () => {
    expect(visitorHash(SECRET, '2001:db8::1')).toBe(visitorHash(SECRET, '2001:db8:0:0:abcd::99'));
    expect(visitorHash(SECRET, '2001:db8::1')).not.toBe(visitorHash(SECRET, '2001:db8:0:1::1'));
    expect(visitorHash(SECRET, '203.0.113.9')).not.toBe(visitorHash(SECRET, '203.0.113.10'));
    expect(visitorHash(SECRET, '::ffff:203.0.113.9')).toBe(visitorHash(SECRET, '203.0.113.9'));
  });

  it('depends on the secret and fits track_content_click’s visitor hash format', () => {
    expect(visitorHash(SECRET, '203.0.113.9')).not.toBe(visitorHash(`${SECRET}-rotated`, '203.0.113.9'));
    expect(visitorHash(SECRET, '203.0.113.9')).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
  });
});
