// An echo server: accept, then read and write until EOF.
//
// Connections come from ONE multishot accept (one SQE, a CQE per
// connection). Each connection's bytes come from ONE multishot recv that
// picks buffers from the ring's provided-buffer ring. The chunks are
// borrowed (no copy): each is written back (a SEND, looped until all of it is
// out) before its buffer is handed back to the kernel by asking for the next
// chunk, so the view is never used after it is lent.
//
//   npm run example -- echo [--host 127.0.0.1] [--port 0] [--backlog 4096]
//   then: echo hi | nc -q1 127.0.0.1 PORT
import { parseArgs } from 'node:util';
import { TcpListener, type TcpStream } from 'ringcore/net';

const quiet = new Set(['ECONNRESET', 'EPIPE']);

async function serve(conn: TcpStream): Promise<void> {
  try {
    for await (const chunk of conn.chunks({ borrow: true })) await conn.write(chunk);
  } catch (error) {
    // A peer that resets is its own business; anything else is worth a line.
    if (!quiet.has((error as NodeJS.ErrnoException).code ?? '')) console.error('echo:', (error as Error).message);
  } finally {
    await conn.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' }, backlog: { type: 'string', default: '4096' } },
  });
  const listener = await TcpListener.bind({ host: values.host, port: Number(values.port), backlog: Number(values.backlog) });
  const { address, port } = listener.address();
  console.log(`listening on ${address}:${port}`);
  const stop = () => void listener.close();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  for await (const conn of listener) void serve(conn);
}
