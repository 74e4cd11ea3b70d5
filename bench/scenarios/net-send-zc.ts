// Large writes over one TCP connection on 127.0.0.1 into a draining reader in
// another process (bench/servers/drain.ts: a node:net client reading into one
// static 1 MiB buffer, which connects to the writer). `total` bytes go out as writes of
// `size` bytes, each awaited before the next (the buffer is reused, so a write
// is done only when its buffer may be written again), then the writer sends
// FIN and waits for the reader's byte count, which must match. Variants:
//   send-zc   ringcore TcpStream.write with SEND_ZC (setZeroCopyThreshold(size)):
//             resolves at the notification CQE
//   send      ringcore TcpStream.write with SEND (the default)
//   node      node:net socket.write(buf, callback), the callback awaited
// value = ns per write; gbPerSec alongside. For send-zc, the notifications that
// reported IORING_NOTIF_USAGE_ZC_COPIED (the kernel copied after all) are counted.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TcpListener, type TcpStream, setZeroCopyThreshold, zeroCopyStats } from 'ringcore/net';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  size: number;
  total: number;
}

const drainJs = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'servers', 'drain.js');

function pattern(size: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(size);
  for (let i = 0; i < size; i++) buf[i] = i & 0xff;
  return buf;
}

/** Starts the drain process, connecting to port. */
function startDrain(port: number): ChildProcess {
  return spawn(process.execPath, [drainJs, '--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function ringcoreStream(p: Params, zeroCopy: boolean): Promise<{ ns: number; count: number }> {
  if (zeroCopy) setZeroCopyThreshold(p.size);
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const drain = startDrain(listener.address().port);
  const stream: TcpStream = await listener.accept();
  await listener.close();
  const buf = pattern(p.size);
  const writes = Math.ceil(p.total / p.size);
  for (let i = 0; i < 16; i++) await stream.write(buf); // warm-up
  const start = nowNs();
  for (let i = 0; i < writes; i++) await stream.write(buf);
  await stream.shutdown('write');
  const reply = Buffer.alloc(32);
  let got = 0;
  for (;;) {
    const n = await stream.read(reply.subarray(got));
    if (n === 0) break;
    got += n;
  }
  const ns = nowNs() - start;
  await stream.close();
  await exited(drain);
  return { ns, count: Number(reply.subarray(0, got).toString()) - 16 * p.size };
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

async function nodeStream(p: Params): Promise<{ ns: number; count: number }> {
  const server = net.createServer({ noDelay: true, allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const drain = startDrain((server.address() as net.AddressInfo).port);
  const socket = await new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.close();
  const result = await new Promise<{ ns: number; count: number }>((resolve, reject) => {
    const buf = pattern(p.size);
    const writes = Math.ceil(p.total / p.size);
    const write = () => new Promise<void>((done, fail) => socket.write(buf, (error) => (error ? fail(error) : done())));
    let reply = '';
    let start = 0;
    socket.setEncoding('latin1').on('data', (d: string) => (reply += d));
    socket.once('error', reject);
    socket.once('end', () => {
      resolve({ ns: nowNs() - start, count: Number(reply) - 16 * p.size });
      socket.destroy();
    });
    void (async () => {
      try {
        for (let i = 0; i < 16; i++) await write();
        start = nowNs();
        for (let i = 0; i < writes; i++) await write();
        socket.end();
      } catch (error) {
        reject(error);
      }
    })();
  });
  await exited(drain);
  return result;
}

function variant(kind: 'send-zc' | 'send' | 'node') {
  return async (p: Params): Promise<Measurement> => {
    const writes = Math.ceil(p.total / p.size);
    const { ns, count } = kind === 'node' ? await nodeStream(p) : await ringcoreStream(p, kind === 'send-zc');
    if (count !== writes * p.size) throw new Error(`the reader got ${count} bytes, expected ${writes * p.size}`);
    return {
      value: ns / writes,
      unit: 'ns/op',
      size: p.size,
      writes,
      gbPerSec: (writes * p.size) / ns,
      ...(kind === 'send-zc' ? { zcSends: zeroCopyStats.sends, zcNotifications: zeroCopyStats.notifications, zcCopied: zeroCopyStats.copied } : {}),
    };
  };
}

await benchMain<Params>({ 'send-zc': variant('send-zc'), send: variant('send'), node: variant('node') }, (raw) => ({
  size: intParam(raw, 'size', 65536),
  total: intParam(raw, 'total', 1 << 30),
}));
