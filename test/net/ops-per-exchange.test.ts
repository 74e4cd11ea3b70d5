// Which SQEs one request of the plain echo loop costs a client (connect, write,
// read, close), and that the cheaper paths keep their guarantees: socket(2)
// makes the connecting socket (no IORING_OP_SOCKET: it never blocks), and an
// idle stream closes with close(2) (no IORING_OP_CLOSE), while a stream with
// an op in flight, or a ring with an SQE not yet submitted, still closes
// through the ring, ordered after what was queued before it.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import net from 'node:net';

import { Ring, constants as C, type TraceEvent } from '../../src/index.js';
import { TcpStream } from '../../src/net/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { record } from '../../test-support/kernel.js';
import { readAll } from '../../test-support/net.js';

const sqeOpcodes = (events: TraceEvent[]) => events.flatMap((e) => (e.type === 'sqe' ? [e.opcode] : []));

/** A node:net echo server; the test's ring sees only the client's ops. */
async function echoServer(): Promise<{ port: number; ended: Promise<void>; close: () => void }> {
  let ended!: () => void;
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('end', () => {
      socket.end();
      ended();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, ended: new Promise((resolve) => (ended = resolve)), close: () => server.close() };
}

test('one exchange: CONNECT, RECV and nothing else (the write is a direct send(2)); the socket is closed and the peer sees EOF', async () => {
  const ring = new Ring({ entries: 16 });
  const server = await echoServer();
  const trace = record(ring);
  try {
    const stream = await TcpStream.connect({ host: '127.0.0.1', port: server.port, ring });
    await stream.write('ping');
    const buf = Buffer.alloc(4);
    assert.equal(await stream.read(buf), 4);
    assert.equal(buf.toString(), 'ping');
    await stream.close();
    assert.deepEqual(sqeOpcodes(trace.events), [C.IORING_OP_CONNECT, C.IORING_OP_RECV]);
    await server.ended;
    assert.equal(ring.inFlight, 0);
  } finally {
    trace.stop();
    server.close();
    await ring.close();
  }
});

test('close() with a read in flight goes through the ring after a shutdown: the read ends, the peer sees EOF', async () => {
  const ring = new Ring({ entries: 16 });
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const trace = record(ring);
  try {
    const stream = await TcpStream.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, ring });
    const peer = await accepted;
    const received = readAll(peer);
    const reading = stream.read(Buffer.alloc(8));
    await new Promise((resolve) => setImmediate(resolve));
    await stream.close();
    assert.equal(await reading, 0);
    assert.equal((await received).length, 0);
    assert.ok(sqeOpcodes(trace.events).includes(C.IORING_OP_CLOSE));
  } finally {
    trace.stop();
    server.close();
    await ring.close();
  }
});

test("an idle stream's close() waits for the ring while an SQE is not yet submitted: a SEND on its fd queued before it still goes out", async () => {
  const ring = new Ring({ entries: 16 });
  const server = await echoServer();
  const trace = record(ring);
  try {
    const b = await TcpStream.connect({ host: '127.0.0.1', port: server.port, ring });
    // A SEND on b's fd that is not b's own op (as a Sender's is): in the SQ until the end of this turn.
    const bytes = Buffer.from('queued before close');
    const fd = b.fd;
    const sending = ring.submit({ syscall: 'write', prep: (uring, sqe) => uring.prepSend(sqe, fd, addressOf(bytes), bytes.length, 0), pin: bytes });
    // A close(2) now would run before that SEND is submitted: it would fail with EBADF, or go to whatever takes the fd number.
    const closing = b.close();
    assert.equal(await sending, bytes.length);
    await closing;
    assert.deepEqual(sqeOpcodes(trace.events).slice(-2), [C.IORING_OP_SEND, C.IORING_OP_CLOSE]);
  } finally {
    trace.stop();
    server.close();
    await ring.close();
  }
});
