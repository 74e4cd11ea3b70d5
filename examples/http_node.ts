// An unchanged node:http handler, served over ringcore sockets: the listener
// accepts with io_uring (one multishot accept), and each connection is handed
// to the http.Server as a Duplex (server.emit('connection', duplex)), whose
// reads are a multishot recv and whose writes are io_uring SENDs.
//
//   npm run example -- http_node [--host 127.0.0.1] [--port 0]
//   then: curl http://127.0.0.1:PORT/
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serveHttp, TcpListener } from 'ringcore/net';

// The handler knows nothing of ringcore.
const server = createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`hello from node:http on ringcore sockets: ${req.method} ${req.url}\n`);
});

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });
  const listener = await TcpListener.bind({ host: values.host, port: Number(values.port), backlog: 4096 });
  const { address, port } = listener.address();
  console.log(`listening on ${address}:${port}`);
  const handle = serveHttp(server, listener);
  const stop = () => {
    void handle.close();
    handle.closeAllConnections();
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  await handle.done;
}
