// Paths as users call them (session 18): one call at a time, each awaited,
// against the Node built-in it replaces. value: ns per call, the median of
// `batches` batches of `count` calls after a warm-up batch; cpuNsPerOp: the
// process's CPU time (all its threads: libuv's pool, io_uring's workers) per
// call over all batches, which a loaded machine disturbs less than the clock. Variants: ringcore,
// node; param `path`:
//   readFile-1k, readFile-64k, readFile-1m   readFile of a cached file of that size
//   writeFile-1k                             writeFile of 1 KiB over the same file
//   stat                                     stat of a file
//   stat-young                               stat of a file in a young process: the `count` calls right after
//                                            the first (which sets the ring up), no warm-up, one batch
//   copyFile-4k-over, copyFile-1m-over       copyFile of a 4 KiB / 1 MiB file over an existing file of the
//                                            same size (truncated, then written, as Node's)
//   copyFile-4k-over-signal                  the 4 KiB one with a signal never aborted: ringcore's copy through
//                                            the ring (without one, on Node, ringcore calls node:fs's copyFile)
//   open-close                               open(path, 'r') then close()
//   readdir                                  readdir of a directory of 100 entries
//   small-writes                             `count` writes of 64 B on a TCP stream, none awaited but the
//                                            last (node:net: socket.write, the last one's callback), into a
//                                            draining reader in another process (servers/drain.ts)
//   sleeps                                   `count` sleep(1) started together under Promise.all (node:
//                                            timers/promises setTimeout); value and CPU per sleep
//   udp                                      a 64 B datagram sent from one UDP socket to another on
//                                            127.0.0.1, the send and the receive awaited (node:dgram:
//                                            send, then the 'message' event)
//   sleep-loop                               a loop of `await sleep(1)`, one sleep at a time (node:
//                                            timers/promises setTimeout); value and CPU per sleep
//   duplex                                   a 64 B ping-pong through toDuplex(TcpStream) as stream code
//                                            uses it: write(), then wait for 'data' (node:net: a
//                                            net.Socket); the echo server is node:net, in the process
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as nodeSleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fs from 'ringcore/fs';
import { TcpListener, TcpStream, UdpSocket, toDuplex } from 'ringcore/net';
import { sleep } from 'ringcore/time';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import { benchDir } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  path: string;
  count: number;
  batches: number;
}

type Impl = 'ringcore' | 'node';
type Call = () => Promise<unknown>;

const dir = path.join(benchDir, 'paths');

function file(name: string, size: number): string {
  mkdirSync(dir, { recursive: true });
  const p = path.join(dir, name);
  writeFileSync(p, Buffer.alloc(size, 0x61));
  return p;
}

/** The call to repeat, for one path and one side. */
function fsCall(impl: Impl, name: string): Call {
  const api = impl === 'ringcore' ? (fs as unknown as typeof nodeFs) : nodeFs;
  switch (name) {
    case 'readFile-1k':
    case 'readFile-64k':
    case 'readFile-1m': {
      const size = { 'readFile-1k': 1024, 'readFile-64k': 64 << 10, 'readFile-1m': 1 << 20 }[name];
      const p = file(name, size);
      return () => api.readFile(p);
    }
    case 'writeFile-1k': {
      const p = file(`${name}-${impl}`, 0);
      const data = Buffer.alloc(1024, 0x62);
      return () => api.writeFile(p, data);
    }
    case 'stat':
    case 'stat-young': {
      const p = file('stat', 1024);
      return () => api.stat(p);
    }
    case 'copyFile-4k-over':
    case 'copyFile-1m-over': {
      const size = name === 'copyFile-4k-over' ? 4096 : 1 << 20;
      const src = file(name, size);
      const dest = file(`${name}-${impl}-dest`, size);
      return () => api.copyFile(src, dest);
    }
    case 'copyFile-4k-over-signal': {
      // A signal sends ringcore's copyFile through the ring (without one it is node:fs's on Node); node:fs has no signal.
      const src = file(name, 4096);
      const dest = file(`${name}-${impl}-dest`, 4096);
      const signal = new AbortController().signal;
      return impl === 'ringcore' ? () => fs.copyFile(src, dest, 0, { signal }) : () => nodeFs.copyFile(src, dest);
    }
    case 'open-close': {
      const p = file(name, 1024);
      return async () => (await api.open(p, 'r')).close();
    }
    case 'readdir': {
      const d = path.join(dir, 'readdir-100');
      mkdirSync(d, { recursive: true });
      for (let i = 0; i < 100; i++) writeFileSync(path.join(d, `entry-${i}`), '');
      return () => api.readdir(d);
    }
    default:
      throw new Error(`unknown path ${name}`);
  }
}

/** CPU time of this process (every thread) since `from`, in ns. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) * 1000;
}

/** `run` (`count` calls) once to warm up (JIT, ring setup), then `batches` times: the median time per call, and the CPU per call. */
async function timeBatches(run: () => Promise<unknown>, { count, batches }: Params): Promise<Measurement> {
  await run();
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let b = 0; b < batches; b++) {
    const start = nowNs();
    await run();
    times.push((nowNs() - start) / count);
  }
  const cpuNsPerOp = cpuSince(cpu) / (count * batches);
  times.sort((a, b) => a - b);
  return { value: times[times.length >> 1]!, unit: 'ns/op', ops: count * batches, cpuNsPerOp };
}

function timeCalls(call: Call, p: Params): Promise<Measurement> {
  return timeBatches(async () => {
    for (let i = 0; i < p.count; i++) await call();
  }, p);
}

const drainJs = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'servers', 'drain.js');

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** `count` writes of 64 B in a row, only the last awaited; a batch per `batches`; then FIN and the reader's count. */
async function smallWrites(impl: Impl, p: Params): Promise<Measurement> {
  const { count, batches } = p;
  const small = Buffer.alloc(64, 0x63);
  // write(last): the last write of a batch is the one awaited.
  let write: (last: boolean) => Promise<void> | undefined;
  let finish: () => Promise<string>;
  let drain: ChildProcess;
  if (impl === 'ringcore') {
    const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
    drain = spawn(process.execPath, [drainJs, '--host', '127.0.0.1', '--port', String(listener.address().port)], { stdio: ['ignore', 'ignore', 'inherit'] });
    const stream = await listener.accept();
    await listener.close();
    write = () => stream.write(small);
    finish = async () => {
      await stream.shutdown('write');
      const reply = Buffer.alloc(32);
      let got = 0;
      for (let n: number; (n = await stream.read(reply.subarray(got))) > 0; ) got += n;
      await stream.close();
      return reply.toString('latin1', 0, got);
    };
  } else {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    drain = spawn(process.execPath, [drainJs, '--host', '127.0.0.1', '--port', String((server.address() as net.AddressInfo).port)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const socket = await accepted;
    server.close();
    // A caller of socket.write makes no promise: only the last write has a callback.
    write = (last) => {
      if (!last) {
        socket.write(small);
        return undefined;
      }
      return new Promise<void>((resolve, reject) => socket.write(small, (error) => (error ? reject(error) : resolve())));
    };
    finish = () =>
      new Promise((resolve) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.end();
      });
  }
  const run = async (): Promise<void> => {
    for (let i = 0; i < count - 1; i++) void write(false);
    await write(true);
  };
  const measured = await timeBatches(run, p);
  const counted = Number(await finish());
  await exited(drain);
  if (counted !== small.length * count * (batches + 1)) throw new Error(`the reader counted ${counted} bytes`);
  return measured;
}

/** `count` sleeps of 1 ms started together, awaited with Promise.all; a batch per `batches`. */
function concurrentSleeps(impl: Impl, p: Params): Promise<Measurement> {
  const one = impl === 'ringcore' ? () => sleep(1) : () => nodeSleep(1);
  return timeBatches(() => Promise.all(Array.from({ length: p.count }, one)), p);
}

/** One sleep(1) at a time, each awaited before the next. */
function sleepLoop(impl: Impl, p: Params): Promise<Measurement> {
  return timeCalls(impl === 'ringcore' ? () => sleep(1) : () => nodeSleep(1), p);
}

/** 64 B written to a node:net echo server and awaited back as 'data', on a RingcoreDuplex or a net.Socket. */
async function duplexPingPong(impl: Impl, p: Params): Promise<Measurement> {
  const server = net.createServer((socket) => socket.on('data', (chunk: Buffer) => socket.write(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let socket: Duplex & { setNoDelay(noDelay?: boolean): unknown };
  if (impl === 'ringcore') {
    socket = toDuplex(await TcpStream.connect({ host: '127.0.0.1', port }));
  } else {
    const client = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    socket = client;
  }
  socket.setNoDelay(true);
  const data = Buffer.alloc(64, 0x65);
  let received = 0;
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    // A 64 B reply can come in parts: the trip ends with its last byte.
    if (received >= data.length) {
      received -= data.length;
      wake?.();
    }
  });
  const measured = await timeCalls(() => {
    const back = new Promise<void>((resolve) => (wake = resolve));
    socket.write(data);
    return back;
  }, p);
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return measured;
}

/** A node:dgram socket bound to an ephemeral port on 127.0.0.1. */
async function nodeUdp(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** One 64 B datagram from one socket to another, sent and received, each awaited (recv() on ringcore, 'message' on node:dgram). */
async function datagrams(impl: Impl, p: Params): Promise<Measurement> {
  const data = Buffer.alloc(64, 0x64);
  if (impl === 'ringcore') {
    const [from, to] = await Promise.all([UdpSocket.bind({ host: '127.0.0.1' }), UdpSocket.bind({ host: '127.0.0.1' })]);
    const port = to.address().port;
    const measured = await timeCalls(async () => {
      await from.send(data, port, '127.0.0.1');
      await to.recv();
    }, p);
    await Promise.all([from.close(), to.close()]);
    return measured;
  }
  const [from, to] = await Promise.all([nodeUdp(), nodeUdp()]);
  const port = to.address().port;
  const measured = await timeCalls(async () => {
    const received = new Promise((resolve) => to.once('message', resolve));
    await new Promise<void>((resolve, reject) => from.send(data, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    await received;
  }, p);
  await Promise.all([new Promise<void>((resolve) => from.close(() => resolve())), new Promise<void>((resolve) => to.close(() => resolve()))]);
  return measured;
}

function measure(impl: Impl, p: Params): Promise<Measurement> {
  if (p.path === 'small-writes') return smallWrites(impl, p);
  if (p.path === 'udp') return datagrams(impl, p);
  if (p.path === 'sleeps') return concurrentSleeps(impl, p);
  if (p.path === 'sleep-loop') return sleepLoop(impl, p);
  if (p.path === 'duplex') return duplexPingPong(impl, p);
  if (p.path === 'stat-young') return youngCalls(fsCall(impl, p.path), p.count);
  return timeCalls(fsCall(impl, p.path), p);
}

/** A young process: one call (the ring's setup, lazy loading), then `count` calls timed as one batch, before V8 has optimized much. */
async function youngCalls(call: Call, count: number): Promise<Measurement> {
  await call();
  const cpu = process.cpuUsage();
  const start = nowNs();
  for (let i = 0; i < count; i++) await call();
  const value = (nowNs() - start) / count;
  return { value, unit: 'ns/op', ops: count, cpuNsPerOp: cpuSince(cpu) / count };
}

await benchMain<Params>(
  {
    ringcore: (p) => measure('ringcore', p),
    node: (p) => measure('node', p),
  },
  (raw) => ({
    path: typeof raw.path === 'string' ? raw.path : 'stat',
    count: intParam(raw, 'count', 1000),
    batches: intParam(raw, 'batches', 5),
  }),
);
