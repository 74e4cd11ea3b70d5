// A reader that drains: a node:net client that connects to host:port, reads
// into one static 1 MiB buffer (the `onread` option: no allocation per read),
// counts and drops the bytes, and at the writer's FIN writes the count back as
// text and closes. The SEND_ZC benchmark streams into it.
//   node dist/bench/servers/drain.js --host 127.0.0.1 --port PORT
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string' } } });
let bytes = 0;
const socket = net.connect({
  host: values.host,
  port: Number(values.port),
  allowHalfOpen: true,
  onread: {
    buffer: Buffer.allocUnsafeSlow(1 << 20),
    callback: (n: number) => {
      bytes += n;
      return true;
    },
  },
});
socket.on('end', () => socket.end(String(bytes)));
socket.on('close', () => process.exit(0));
socket.on('error', (error) => {
  console.error('drain:', error.message);
  process.exit(1);
});
