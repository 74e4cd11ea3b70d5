// Socket address encoding: text to sockaddr bytes and back (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeInet, decodeUnix, formatIPv6, inetSockaddr, unixSockaddr } from '../../src/net/address.js';

test('IPv4 and IPv6 addresses survive a round trip through sockaddr bytes', () => {
  for (const [ip, port] of [
    ['127.0.0.1', 80],
    ['0.0.0.0', 0],
    ['255.255.255.255', 65535],
    ['::1', 443],
    ['::', 1],
    ['fe80::1', 8080],
    ['2001:db8::8:800:200c:417a', 5],
    ['2001:db8:0:0:1:0:0:1', 6],
    ['::ffff:10.0.0.1', 7],
  ] as const) {
    const addr = inetSockaddr(ip, port);
    const back = decodeInet(addr.bytes)!;
    assert.equal(back.port, port);
    assert.equal(back.family, ip.includes(':') ? 'IPv6' : 'IPv4');
    const expected = ip === '2001:db8:0:0:1:0:0:1' ? '2001:db8::1:0:0:1' : ip;
    assert.equal(back.address, expected);
  }
});

test('formatIPv6 follows RFC 5952 (longest zero run compressed, lower case)', () => {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt16BE(0x2001, 0);
  bytes.writeUInt16BE(0xdb8, 2);
  bytes.writeUInt16BE(1, 14);
  assert.equal(formatIPv6(bytes, 0), '2001:db8::1');
  assert.equal(formatIPv6(Buffer.alloc(16), 0), '::');
});

test('Unix paths: a NUL-terminated path, and an abstract name with an exact length', () => {
  const a = unixSockaddr('/tmp/x.sock');
  assert.equal(a.length, 2 + '/tmp/x.sock'.length + 1);
  assert.equal(decodeUnix(a.bytes, a.length), '/tmp/x.sock');
  const b = unixSockaddr('\0abstract');
  assert.equal(b.length, 2 + 9);
  assert.equal(decodeUnix(b.bytes, b.length), '\0abstract');
  assert.throws(() => unixSockaddr('x'.repeat(200)), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => inetSockaddr('not-an-ip', 1), { code: 'ERR_INVALID_ARG_TYPE' });
});
