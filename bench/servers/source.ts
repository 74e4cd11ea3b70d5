// A writer that floods: a node:net client that connects to host:port, writes
// `bytes` bytes from one static 1 MiB buffer as fast as the socket takes them
// (waiting for 'drain' only when it is full), then sends FIN. The receive
// benchmark (net-recv) reads from it; drain.ts is its mirror image.
//   node dist/bench/servers/source.js --host 127.0.0.1 --port PORT --bytes N
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string' }, bytes: { type: 'string' } },
});
const BLOCK = Buffer.allocUnsafeSlow(1 << 20);
for (let i = 0; i < BLOCK.length; i++) BLOCK[i] = i & 0xff;
let left = Number(values.bytes);
const socket = net.connect({ host: values.host, port: Number(values.port), noDelay: true });
const pump = (): void => {
  while (left > 0) {
    const block = left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left);
    left -= block.length;
    if (!socket.write(block)) return void socket.once('drain', pump);
  }
  socket.end();
};
socket.on('connect', pump);
socket.on('close', () => process.exit(0));
socket.on('error', (error) => {
  console.error('source:', error.message);
  process.exit(1);
});
