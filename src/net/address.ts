// Socket addresses: text (host, port, path) to the sockaddr bytes the kernel
// reads, and back. IPv4, IPv6 and Unix paths; host names go through the
// system resolver (dns.lookup, as node:net does).
import type * as Dns from 'node:dns/promises';
import type * as Fs from 'node:fs';
import type * as Net from 'node:net';
import type * as Os from 'node:os';
import { lazyBuiltin } from '../sys/builtins.js';
import { AF_INET, AF_INET6, AF_UNIX } from '../sys/socket-constants.js';
import { SOCKADDR_IN, SOCKADDR_IN6, SOCKADDR_STORAGE, SOCKADDR_UN } from '../sys/layout.js';
import { invalidArgType, outOfRange } from '../sys/errors.js';

const net = lazyBuiltin<typeof Net>('node:net');
const dns = lazyBuiltin<typeof Dns>('node:dns/promises');
const os = lazyBuiltin<typeof Os>('node:os');
const fs = lazyBuiltin<typeof Fs>('node:fs');

/** An address as node:net reports it (`server.address()`). */
export interface SocketAddress {
  /** The IP address, e.g. '127.0.0.1' or '::1'. */
  address: string;
  /** Which IP version the address is. */
  family: 'IPv4' | 'IPv6';
  /** The port number. */
  port: number;
}

/** A sockaddr in memory the kernel may read, with its length. */
export interface Sockaddr {
  bytes: Buffer;
  length: number;
  family: number;
}

export function checkPort(port: unknown, name = 'port'): number {
  if (typeof port !== 'number') throw invalidArgType(name, 'of type number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange(name, '>= 0 and <= 65535', port);
  return port;
}

/** The 4 bytes of a dotted IPv4 address. */
function parseIPv4(text: string, out: Buffer, at: number): void {
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
}

/** The 16 bytes of an IPv6 address (`::` compression and a trailing IPv4 part allowed), without its zone. */
function parseIPv6(text: string, out: Buffer, at: number): void {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const words: number[] = [];
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const result: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const v4 = Buffer.alloc(4);
        parseIPv4(group, v4, 0);
        result.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else {
        result.push(parseInt(group, 16));
      }
    }
    return result;
  };
  const gap = text.indexOf('::');
  if (gap < 0) {
    words.push(...parse(text));
  } else {
    const head = parse(text.slice(0, gap));
    const tail = parse(text.slice(gap + 2));
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i] ?? 0, at + i * 2);
}

/**
 * The interface a zone names (`fe80::1%eth0`; `%2` by its index): what a
 * link-local address means nothing without. The kernel takes it as
 * sin6_scope_id. An unknown name gives 0, as in Node: the kernel then
 * refuses a link-local address (EINVAL), naming it.
 */
function zoneIndex(zone: string): number {
  if (/^\d+$/.test(zone)) {
    const index = Number(zone);
    return index <= 0xffffffff ? index : 0;
  }
  return interfaceIndex(zone);
}

/** An interface name as the kernel allows one (IFNAMSIZ - 1 bytes, no '/', not '.' or '..'): only such a name is looked up in sysfs. */
const INTERFACE_NAME = /^(?!\.\.?$)[^/\0]{1,15}$/;

/**
 * if_nametoindex(3), as Node does for a zone: every interface has an index,
 * with a link-local address or not (lo, an interface with global addresses
 * only). Without sysfs, the interfaces that list a link-local address.
 */
function interfaceIndex(name: string): number {
  if (!INTERFACE_NAME.test(name)) return 0;
  try {
    return Number.parseInt(fs().readFileSync(`/sys/class/net/${name}/ifindex`, 'latin1'), 10) || 0;
  } catch {
    const interfaces = os().networkInterfaces();
    // Own names only: a zone such as `constructor` must not find Object.prototype's.
    for (const entry of Object.hasOwn(interfaces, name) ? (interfaces[name] ?? []) : []) if (entry.family === 'IPv6' && entry.scopeid) return entry.scopeid;
    return 0;
  }
}

/** Interface names by index, as zoneName found them, and when: trusted for ZONE_NAME_MS (an interface may be renamed, an index reused). */
const zoneNames = new Map<number, { name: string; at: number }>();
const ZONE_NAME_MS = 1000;

/** The zone to print for a scope id: the interface's name (as Node prints it, if_indextoname), else the number. */
function zoneName(index: number): string {
  // A datagram's sender is decoded per datagram: the scan of sysfs (some 50 µs per interface) not every time,
  // whatever it found (an index no interface has too).
  const now = Date.now();
  const known = zoneNames.get(index);
  if (known !== undefined && now - known.at < ZONE_NAME_MS) return known.name;
  const name = interfaceName(index);
  zoneNames.set(index, { name, at: now });
  return name;
}

/** if_indextoname(3): the name of the interface with this index, else the number. */
function interfaceName(index: number): string {
  try {
    for (const name of fs().readdirSync('/sys/class/net')) if (interfaceIndex(name) === index) return name;
  } catch {
    for (const [name, entries] of Object.entries(os().networkInterfaces())) {
      if (entries?.some((entry) => entry.family === 'IPv6' && entry.scopeid === index)) return name;
    }
  }
  return String(index);
}

/** RFC 5952 text for 16 address bytes: lower case, the longest run of zero words as `::`. */
export function formatIPv6(bytes: Buffer, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(bytes.readUInt16BE(at + i * 2));
  // ::ffff:a.b.c.d, IPv4-mapped, as Node prints it
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/**
 * Zeroed bytes from Node's Buffer pool. A Buffer.alloc() of a sockaddr's size
 * is an ArrayBuffer of its own, whose address costs a native call (and a
 * WeakMap entry) on every connect; the pool's slab has a cached one.
 */
function pooledZeros(size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0);
}

/** A new sockaddr_in or sockaddr_in6 for a numeric IP address and port. */
function makeInetSockaddr(ip: string, port: number): Sockaddr {
  const version = net().isIP(ip);
  if (version === 4) {
    const bytes = pooledZeros(SOCKADDR_IN.size);
    bytes.writeUInt16LE(AF_INET, SOCKADDR_IN.sin_family);
    bytes.writeUInt16BE(port, SOCKADDR_IN.sin_port);
    parseIPv4(ip, bytes, SOCKADDR_IN.sin_addr);
    return { bytes, length: SOCKADDR_IN.size, family: AF_INET };
  }
  if (version === 6) {
    const bytes = pooledZeros(SOCKADDR_IN6.size);
    bytes.writeUInt16LE(AF_INET6, SOCKADDR_IN6.sin6_family);
    bytes.writeUInt16BE(port, SOCKADDR_IN6.sin6_port);
    parseIPv6(ip, bytes, SOCKADDR_IN6.sin6_addr);
    const zone = ip.indexOf('%');
    if (zone >= 0) bytes.writeUInt32LE(zoneIndex(ip.slice(zone + 1)), SOCKADDR_IN6.sin6_scope_id);
    return { bytes, length: SOCKADDR_IN6.size, family: AF_INET6 };
  }
  throw invalidArgType('host', 'an IP address', ip);
}

/**
 * The sockaddrs made so far, by address text and port. A client that connects
 * to the same peer again and again (short connections) parsed the address on
 * every connect: isIP's RegExp, a split, a fill, 3 µs a connect on this VM.
 * Cleared when it holds this many addresses (or one address this many ports).
 */
const INET_CACHE_LIMIT = 64;
const inetCache = new Map<string, Map<number, Sockaddr>>();

/**
 * A sockaddr_in or sockaddr_in6 for a numeric IP address and port. The
 * result may be shared with other calls (and ops in flight): read it, never
 * write into it.
 */
export function inetSockaddr(ip: string, port: number): Sockaddr {
  let ports = inetCache.get(ip);
  const known = ports?.get(port);
  if (known !== undefined) return known;
  const addr = makeInetSockaddr(ip, port);
  if (ports === undefined) {
    if (inetCache.size >= INET_CACHE_LIMIT) inetCache.clear();
    ports = new Map();
    inetCache.set(ip, ports);
  } else if (ports.size >= INET_CACHE_LIMIT) {
    ports.clear();
  }
  ports.set(port, addr);
  return addr;
}

/**
 * A numeric IP for `host`: itself if it is one, else the resolver's first
 * answer ('localhost' → 127.0.0.1). A numeric one comes back as it is, not
 * in a promise: awaiting it would cost a connect a turn of the microtask queue.
 */
export function resolveHost(host: string): string | Promise<string> {
  if (typeof host !== 'string') throw invalidArgType('host', 'of type string', host);
  if (inetCache.has(host) || net().isIP(host) !== 0) return host;
  return dns()
    .lookup(host)
    .then((found) => found.address);
}

/** A sockaddr_un for a path (a leading '\0' makes an abstract socket). */
export function unixSockaddr(path: string): Sockaddr {
  if (typeof path !== 'string') throw invalidArgType('path', 'of type string', path);
  const name = Buffer.from(path);
  const room = SOCKADDR_UN.size - SOCKADDR_UN.sun_path;
  if (name.length >= room) throw outOfRange('path', `shorter than ${room} bytes`, path);
  const bytes = Buffer.alloc(SOCKADDR_UN.size);
  bytes.writeUInt16LE(AF_UNIX, SOCKADDR_UN.sun_family);
  name.copy(bytes, SOCKADDR_UN.sun_path);
  // Abstract names have no terminating NUL; their length is exact.
  const length = SOCKADDR_UN.sun_path + name.length + (name[0] === 0 ? 0 : 1);
  return { bytes, length, family: AF_UNIX };
}

/** Room for any address the kernel writes back (accept, getsockname, recvmsg). */
export function sockaddrStorage(): Buffer {
  return Buffer.alloc(SOCKADDR_STORAGE.size);
}

/** Reads an AF_INET/AF_INET6 sockaddr. Null for other families (an unnamed Unix socket). */
export function decodeInet(bytes: Buffer): SocketAddress | null {
  const family = bytes.readUInt16LE(0);
  if (family === AF_INET) {
    const at = SOCKADDR_IN.sin_addr;
    return {
      address: `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`,
      family: 'IPv4',
      port: bytes.readUInt16BE(SOCKADDR_IN.sin_port),
    };
  }
  if (family === AF_INET6) {
    const scope = bytes.readUInt32LE(SOCKADDR_IN6.sin6_scope_id);
    const address = formatIPv6(bytes, SOCKADDR_IN6.sin6_addr);
    return { address: scope === 0 ? address : `${address}%${zoneName(scope)}`, family: 'IPv6', port: bytes.readUInt16BE(SOCKADDR_IN6.sin6_port) };
  }
  return null;
}

/** Reads a sockaddr_un's path ('' for an unnamed socket). */
export function decodeUnix(bytes: Buffer, length: number): string {
  if (length <= SOCKADDR_UN.sun_path) return '';
  const name = bytes.subarray(SOCKADDR_UN.sun_path, length);
  if (name[0] === 0) return name.toString();
  const end = name.indexOf(0);
  return name.subarray(0, end < 0 ? name.length : end).toString();
}
