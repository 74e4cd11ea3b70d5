// The echo server a user writes first with ringcore/net, for the "plain"
// net-echo rows: each connection is served by `await conn.read(buf)` and
// `await conn.write(...)` in a loop, no chunk iterator, no borrowed buffers.
// Backlog 4096, as the other echo servers.
//   node dist/bench/servers/ringcore-plain-echo.js --host 127.0.0.1 --port 0
import { parseArgs } from 'node:util';
import { TcpListener, type TcpStream } from 'ringcore/net';

async function serve(conn: TcpStream): Promise<void> {
  const buf = Buffer.allocUnsafe(16 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === 0) break;
      await conn.write(buf.subarray(0, n));
    }
  } catch {
    // A peer that resets is its own business.
  } finally {
    await conn.close();
  }
}

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });
const listener = await TcpListener.bind({ host: values.host, port: Number(values.port), backlog: 4096 });
const { address, port } = listener.address();
console.log(`listening on ${address}:${port}`);
process.once('SIGTERM', () => process.exit(0));
for await (const conn of listener) void serve(conn);
