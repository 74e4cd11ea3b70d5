// Two tasks over a socketpair: one sends "ping", the other answers "pong",
// N times. Each side's write is an IORING_OP_SEND and each read an
// IORING_OP_RECV on the same ring; the two tasks take turns without any
// thread or epoll in between.
//
//   npm run example -- ping_pong [rounds]
import { socketpair, type SocketStream } from 'ringcore/net';

async function pinger(sock: SocketStream, rounds: number): Promise<void> {
  const buf = Buffer.alloc(4);
  for (let i = 0; i < rounds; i++) {
    await sock.write('ping');
    if ((await sock.read(buf)) !== 4 || buf.toString() !== 'pong') throw new Error(`round ${i}: expected pong, got ${buf}`);
  }
  await sock.shutdown('write');
}

async function ponger(sock: SocketStream): Promise<number> {
  const buf = Buffer.alloc(4);
  let rounds = 0;
  while ((await sock.read(buf)) === 4) {
    if (buf.toString() !== 'ping') throw new Error(`expected ping, got ${buf}`);
    await sock.write('pong');
    rounds++;
  }
  return rounds;
}

export async function main(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 10_000);
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError('usage: ping_pong [rounds]');
  const [a, b] = socketpair();
  const start = performance.now();
  const [, answered] = await Promise.all([pinger(a, rounds), ponger(b)]);
  const ms = performance.now() - start;
  console.log(`${answered} ping/pong round trips over a socketpair in ${ms.toFixed(1)} ms (${Math.round((answered / ms) * 1000)} round trips/s)`);
  await Promise.all([a.close(), b.close()]);
}
