// TCP echo exchanges, client and server in separate processes. Variants are
// `<test>:<client>-<server>`, client and server each 'ringcore' or 'node':
//   sequential   connect, send 64 B, read the 64 B echo, close; `requests`
//                times one after the other (a batch); value = time per request,
//                timed after `warmup` exchanges
//   concurrent   `requests` connections opened at once, one exchange each
//                (a batch); value = batch time per request. TcpExtListenOverflows
//                (nstat) is read before and after: SYNs the server dropped.
//   pingpong     one connection, 64 B back and forth for `seconds`; round trips/s
// Servers: examples/echo.ts (ringcore/net), bench/servers/ringcore-plain-echo.ts
// (ringcore/net, read/write) and bench/servers/node-echo.ts (node:net), both with backlog 4096 and TCP_NODELAY.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { TcpStream } from 'ringcore/net';
import { benchMain, intParam, nowNs, numberParam } from '../lib/child.js';
import { startServer } from '../../test-support/server.js';
import { ECHO_SERVERS } from '../lib/echo-servers.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  requests: number;
  batches: number;
  /** Exchanges before the timed batches (whole batches, at least one). */
  warmup: number;
  seconds: number;
}

type Side = keyof typeof ECHO_SERVERS;
const MESSAGE = Buffer.alloc(64, 'x');

/** One exchange with a ringcore client. */
async function ringcoreExchange(port: number): Promise<void> {
  const stream = await TcpStream.connect({ host: '127.0.0.1', port });
  try {
    await stream.write(MESSAGE);
    const buf = Buffer.allocUnsafe(64);
    let got = 0;
    while (got < 64) {
      const n = await stream.read(got === 0 ? buf : buf.subarray(got));
      if (n === 0) throw new Error('EOF before the echo');
      got += n;
    }
  } finally {
    await stream.close();
  }
}

/** 1000 warm-up round trips, then round trips for `seconds` (whole blocks of 64): their rate per second. */
async function tripsPerSecond(roundTrip: () => Promise<void>, seconds: number): Promise<number> {
  for (let i = 0; i < 1000; i++) await roundTrip();
  let trips = 0;
  const start = nowNs();
  const end = start + seconds * 1e9;
  while ((trips & 63) !== 0 || nowNs() < end) {
    await roundTrip();
    trips++;
  }
  return trips / ((nowNs() - start) / 1e9);
}

/** One exchange with a node:net client. */
function nodeExchange(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let got = 0;
    socket.on('connect', () => socket.write(MESSAGE));
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got >= 64) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', reject);
  });
}

type Exchange = (port: number) => Promise<void>;
const CLIENTS: Record<Side, Exchange> = { ringcore: ringcoreExchange, plain: ringcoreExchange, node: nodeExchange };

function listenOverflows(): number | undefined {
  try {
    const out = execFileSync('nstat', ['-az', 'TcpExtListenOverflows'], { encoding: 'utf8' });
    const m = /TcpExtListenOverflows\s+(\d+)/.exec(out);
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

async function sequential(exchange: Exchange, port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await exchange(port);
}

async function concurrent(exchange: Exchange, port: number, n: number): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => exchange(port)));
  return results.filter((r) => r.status === 'rejected').length;
}

// biome-ignore lint/suspicious/noConfusingVoidType: the exchanges return a count, or nothing
async function timedBatches(run: () => Promise<number | void>, p: Params): Promise<Measurement> {
  // Warm-up: the JIT of both processes, the first connections.
  for (let done = 0; done === 0 || done < p.warmup; done += p.requests) await run();
  const overflowsBefore = listenOverflows();
  const times: number[] = [];
  let errors = 0;
  for (let b = 0; b < p.batches; b++) {
    const start = nowNs();
    errors += (await run()) ?? 0;
    times.push(nowNs() - start);
  }
  const overflowsAfter = listenOverflows();
  times.sort((a, b) => a - b);
  const batchNs = times[Math.floor(times.length / 2)]!;
  return {
    value: batchNs / p.requests,
    unit: 'ns/op',
    batchMs: batchNs / 1e6,
    requests: p.requests,
    batches: p.batches,
    errors,
    listenOverflows: overflowsBefore === undefined || overflowsAfter === undefined ? null : overflowsAfter - overflowsBefore,
  };
}

async function pingpongRingcore(port: number, seconds: number): Promise<number> {
  const stream = await TcpStream.connect({ host: '127.0.0.1', port });
  // The echo comes back through the stream's iterator (one multishot recv,
  // armed once), as node:net's 'data' events do: each trip is one SEND.
  const chunks = stream.chunks();
  const roundTrip = async () => {
    await stream.write(MESSAGE);
    let got = 0;
    while (got < 64) {
      const { value, done } = await chunks.next();
      if (done) throw new Error('EOF before the echo');
      got += value.length;
    }
  };
  const rate = await tripsPerSecond(roundTrip, seconds);
  await stream.close();
  return rate;
}

/** Ping-pong with only write() and read(buf). */
async function pingpongPlain(port: number, seconds: number): Promise<number> {
  const stream = await TcpStream.connect({ host: '127.0.0.1', port });
  const buf = Buffer.allocUnsafe(64);
  const roundTrip = async () => {
    await stream.write(MESSAGE);
    let got = 0;
    while (got < 64) {
      const n = await stream.read(got === 0 ? buf : buf.subarray(got));
      if (n === 0) throw new Error('EOF before the echo');
      got += n;
    }
  };
  const rate = await tripsPerSecond(roundTrip, seconds);
  await stream.close();
  return rate;
}

const PINGPONG: Record<Side, (port: number, seconds: number) => Promise<number>> = {
  ringcore: pingpongRingcore,
  plain: pingpongPlain,
  node: pingpongNode,
};

function pingpongNode(port: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let got = 0;
    let trips = 0;
    let warm = 1000;
    let start = 0;
    let end = 0;
    socket.on('connect', () => socket.write(MESSAGE));
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got < 64) return;
      got -= 64;
      if (warm > 0) {
        if (--warm === 0) {
          start = nowNs();
          end = start + seconds * 1e9;
        }
      } else if (++trips % 64 === 0 && nowNs() >= end) {
        socket.destroy();
        return resolve(trips / ((nowNs() - start) / 1e9));
      }
      socket.write(MESSAGE);
    });
    socket.on('error', reject);
  });
}

function variant(test: string, client: Side, server: Side) {
  return async (p: Params): Promise<Measurement> => {
    const [script, ...args] = ECHO_SERVERS[server];
    const proc = await startServer(process.execPath, [script!, ...args, '--host', '127.0.0.1', '--port', '0'], { stderr: 'inherit' });
    try {
      const exchange = CLIENTS[client];
      if (test === 'sequential') return await timedBatches(() => sequential(exchange, proc.port, p.requests), p);
      if (test === 'concurrent') return await timedBatches(() => concurrent(exchange, proc.port, p.requests), p);
      const rate = await PINGPONG[client](proc.port, p.seconds);
      return { value: rate, unit: 'ops/s', seconds: p.seconds };
    } finally {
      await proc.stop();
    }
  };
}

const variants: Record<string, (p: Params) => Promise<Measurement>> = {};
for (const test of ['sequential', 'concurrent', 'pingpong']) {
  for (const [client, server] of [
    ['ringcore', 'ringcore'],
    ['node', 'node'],
    ['node', 'ringcore'],
    ['ringcore', 'node'],
    ['plain', 'plain'],
  ] as const) {
    variants[`${test}:${client}-${server}`] = variant(test, client, server);
  }
}

await benchMain<Params>(variants, (raw) => ({
  requests: intParam(raw, 'requests', 100),
  batches: intParam(raw, 'batches', 10),
  warmup: intParam(raw, 'warmup', 100),
  seconds: numberParam(raw, 'seconds', 2),
}));
