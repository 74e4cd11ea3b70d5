// Socket address encoding: text to sockaddr bytes and back (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';

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

test('the sockaddr cache never mixes up addresses, ports or families, across its evictions', () => {
  // More addresses than the cache holds (64), and more ports of one address, each asked for twice.
  const asked: [string, number][] = [];
  for (let i = 0; i < 150; i++) asked.push([`10.0.${i >> 8}.${i & 255}`, 1000 + i], [`fd00::1:${i.toString(16)}`, 1000 + i], ['127.0.0.1', 2000 + i]);
  for (let round = 0; round < 2; round++) {
    for (const [ip, port] of asked) {
      const back = decodeInet(inetSockaddr(ip, port).bytes)!;
      assert.deepEqual([back.address, back.port, back.family], [ip, port, ip.includes(':') ? 'IPv6' : 'IPv4']);
    }
  }
  // One address in two spellings, and one port on both families: distinct, each right.
  assert.equal(decodeInet(inetSockaddr('0:0:0:0:0:0:0:1', 9).bytes)!.address, '::1');
  assert.equal(decodeInet(inetSockaddr('::1', 9).bytes)!.family, 'IPv6');
  assert.equal(decodeInet(inetSockaddr('127.0.0.1', 9).bytes)!.family, 'IPv4');
  assert.equal(inetSockaddr('127.0.0.1', 9), inetSockaddr('127.0.0.1', 9), 'a repeated address and port reuses its sockaddr');
});

test('an IPv6 zone names the interface: its index goes into sin6_scope_id, and comes back as its name', (t) => {
  const linkLocal = Object.entries(os.networkInterfaces()).flatMap(([name, entries]) =>
    (entries ?? []).filter((e) => e.family === 'IPv6' && e.scopeid).map((e) => ({ name, index: e.scopeid! })),
  )[0];
  if (linkLocal === undefined) return t.skip('no interface here has an IPv6 link-local address');
  for (const zone of [linkLocal.name, String(linkLocal.index)]) {
    const addr = inetSockaddr(`fe80::1%${zone}`, 80);
    assert.equal(addr.bytes.readUInt32LE(24), linkLocal.index, `sin6_scope_id for %${zone}`);
    assert.equal(decodeInet(addr.bytes)!.address, `fe80::1%${linkLocal.name}`);
  }
  // Node's rule for a name no interface has: no scope (the kernel then refuses the address).
  assert.equal(inetSockaddr('fe80::1%no-such-interface', 80).bytes.readUInt32LE(24), 0);
  assert.equal(decodeInet(inetSockaddr('fe80::1', 80).bytes)!.address, 'fe80::1');
  // lo: no link-local address, but an index (1), printed back by name.
  const lo = inetSockaddr('fe80::1%lo', 80).bytes;
  assert.equal(lo.readUInt32LE(24), Number(readFileSync('/sys/class/net/lo/ifindex', 'latin1')));
  assert.equal(decodeInet(lo)!.address, 'fe80::1%lo');
  // Not an interface: no scope, and no error.
  for (const zone of ['constructor', 'toString', '..', '4294967296']) assert.equal(inetSockaddr(`fe80::1%${zone}`, 80).bytes.readUInt32LE(24), 0, zone);
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
