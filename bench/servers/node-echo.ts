// The node:net echo server the net benchmarks compare against: what each
// 'data' chunk brings is written back; TCP_NODELAY on, backlog 4096 (as the
// ringcore echo example), so neither side drops SYNs at 1000 connections.
//   node dist/bench/servers/node-echo.js --host 127.0.0.1 --port 0
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('end', () => socket.end());
  socket.on('error', () => socket.destroy());
});
server.listen({ host: values.host, port: Number(values.port), backlog: 4096 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${address}:${port}`);
});
process.once('SIGTERM', () => process.exit(0));
