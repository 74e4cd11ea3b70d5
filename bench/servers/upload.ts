// The upload benchmark's server: a handler that reads the request body,
// counts its bytes and answers with the count, on node:http or on
// ringcore/http's createServer (the same code either way). Prints
// "listening on HOST:PORT" first, as the other bench servers do.
//   --on node|ringcore
import http, { type RequestListener } from 'node:http';
import { parseArgs } from 'node:util';
import { createServer as ringcoreCreateServer } from 'ringcore/http';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    on: { type: 'string', default: 'node' },
  },
});

const handler: RequestListener = (req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => res.end(String(bytes)));
};

const server = values.on === 'ringcore' ? (ringcoreCreateServer(handler) as unknown as http.Server) : http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host, () => console.log(`listening on ${values.host}:${(server.address() as { port: number }).port}`));
