// Receiving a stream: what owned chunks (the default) cost against borrowed
// ones. A writer in another process (bench/servers/source.ts, node:net)
// floods one TCP connection on 127.0.0.1 with `bytes` bytes; this process
// reads them and counts them. Variants:
//   owned     ringcore: `for await (const chunk of stream)`, each chunk a Buffer of its own
//             (a full provided buffer handed off and replaced, else copied out of it)
//   borrowed  ringcore: `stream.chunks({ borrow: true })`, views of the provided buffers, no copy
//   node      node:net: 'data' events (a Buffer of its own per read, as Node gives)
// The first quarter of the stream (16 MiB at most) is a warm-up; over the rest,
// value = this process's CPU time (user + system) per MiB received, since on
// loopback the wall time is mostly the writer's and the kernel's. Wall time,
// chunk count and GB/s alongside (for ringcore, the recvs armed and paused).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TcpListener, type TcpStream } from 'ringcore/net';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  bytes: number;
}

const MiB = 1 << 20;
const sourceJs = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'servers', 'source.js');

function startSource(port: number, bytes: number): ChildProcess {
  return spawn(process.execPath, [sourceJs, '--host', '127.0.0.1', '--port', String(port), '--bytes', String(bytes)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
const cpuNs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
};

/** Counts what arrives; the clocks start once `warm` bytes are in. */
class Counter {
  bytes = 0;
  chunks = 0;
  private wall = 0;
  private cpu = 0;
  constructor(private readonly warm: number) {}
  add(length: number): void {
    const before = this.bytes;
    this.bytes += length;
    this.chunks++;
    if (before < this.warm && this.bytes >= this.warm) {
      this.wall = nowNs();
      this.cpu = cpuNs();
      this.chunks = 0;
    }
  }
  result(total: number): Measurement {
    if (this.bytes !== total) throw new Error(`received ${this.bytes} bytes, expected ${total}`);
    const wallNs = nowNs() - this.wall;
    const measured = total - this.warm;
    return {
      value: (cpuNs() - this.cpu) / (measured / MiB),
      unit: 'ns/op',
      ops: measured / MiB,
      wallNs,
      gbPerSec: measured / wallNs,
      chunks: this.chunks,
    };
  }
}

const warmUp = (bytes: number) => Math.min(16 * MiB, Math.floor(bytes / 4));

async function ringcoreRead(p: Params, borrow: boolean): Promise<Measurement> {
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const source = startSource(listener.address().port, p.bytes);
  const stream: TcpStream = await listener.accept();
  await listener.close();
  const counter = new Counter(warmUp(p.bytes));
  const chunks = stream.chunks({ borrow });
  for await (const chunk of chunks) counter.add(chunk.length);
  // Recvs armed and paused (the loop fell behind its bound): each pause is a cancel and a re-arm.
  const result = { ...counter.result(p.bytes), arms: chunks.arms, pauses: chunks.pauses };
  await stream.close();
  await exited(source);
  return result;
}

async function nodeRead(p: Params): Promise<Measurement> {
  const server = net.createServer({ noDelay: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const source = startSource((server.address() as net.AddressInfo).port, p.bytes);
  const socket = await new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.close();
  const counter = new Counter(warmUp(p.bytes));
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => counter.add(chunk.length));
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  const result = counter.result(p.bytes);
  socket.destroy();
  await exited(source);
  return result;
}

await benchMain<Params>({ owned: (p) => ringcoreRead(p, false), borrowed: (p) => ringcoreRead(p, true), node: nodeRead }, (raw) => ({
  bytes: intParam(raw, 'bytes', 256 * MiB),
}));
