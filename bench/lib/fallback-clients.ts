// The ping-pong clients of the node-backend rows, shared
// by the fallback scenario (scenarios/fallback.ts, a process per variant) and
// fallback-interleaved.ts (every side in one process, interleaved).
import * as net from 'node:net';
import { backend } from 'ringcore';
import { TcpStream } from 'ringcore/net';

/** One round trip: send `message`, resolve once its echo is back. */
export type Exchange = (message: Buffer) => Promise<void>;

export interface PingPongClient {
  exchange: Exchange;
  close(): void | Promise<void>;
}

/** Throws unless ringcore runs on its node backend here (RINGCORE_BACKEND=node). */
export function checkBackend(): void {
  if (backend() !== 'node') throw new Error(`expected the node backend, got ${backend()}`);
}

/** An in-process node:net echo server. */
export async function echoServer(): Promise<{ port: number; close(): void }> {
  const server = net.createServer({ noDelay: true }, (socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** ringcore/net's plain loop: `await write()`, then `await read(buf)` until the echo is in. */
export async function ringcoreClient(port: number): Promise<PingPongClient> {
  checkBackend();
  const stream = await TcpStream.connect({ host: '127.0.0.1', port });
  const buf = Buffer.allocUnsafe(64);
  return {
    async exchange(message) {
      await stream.write(message);
      for (let got = 0; got < message.length; ) {
        const n = await stream.read(buf.subarray(got));
        if (n === 0) throw new Error('EOF before the echo');
        got += n;
      }
    },
    close: () => stream.close(),
  };
}

async function nodeSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** The echo's bytes counted by a 'data' listener: `arm(n, resolve)` waits for the next n bytes. */
function echoCounter(socket: net.Socket): (left: number, resolve: () => void) => void {
  let waiting: { left: number; resolve: () => void } | null = null;
  socket.on('data', (chunk: Buffer) => {
    if (waiting !== null && (waiting.left -= chunk.length) <= 0) {
      const { resolve } = waiting;
      waiting = null;
      resolve();
    }
  });
  return (left, resolve) => {
    waiting = { left, resolve };
  };
}

/** node:net as its users write it: write, and the echo's 'data' events resolve one promise. */
export async function nodeClient(port: number): Promise<PingPongClient> {
  const socket = await nodeSocket(port);
  const arm = echoCounter(socket);
  return {
    exchange: (message) =>
      new Promise<void>((resolve) => {
        arm(message.length, resolve);
        socket.write(message);
      }),
    close() {
      socket.destroy();
    },
  };
}

/**
 * node:net in ringcore's shape: await the write's callback, then await the
 * echo. The floor for a pull API (a promise per write and per read) over
 * net.Socket, with nothing of ringcore's in it.
 */
export async function nodePullClient(port: number): Promise<PingPongClient> {
  const socket = await nodeSocket(port);
  const arm = echoCounter(socket);
  return {
    async exchange(message) {
      await new Promise<void>((resolve) => socket.write(message, () => resolve()));
      await new Promise<void>((resolve) => arm(message.length, resolve));
    },
    close() {
      socket.destroy();
    },
  };
}
