// A hello-world HTTP server for bench/portable/http.sh: ringcore's serve() or
// the runtime's own (Bun.serve, Deno.serve, node:http on Node), on a free
// loopback port, printed as the first line of stdout. Runs until killed.
//   node|bun bench/portable/http-server.mjs ringcore|builtin; deno run -A ...
import * as nodeHttp from 'node:http';
import { serve } from 'ringcore/http';

const body = 'hello world';
const fetchHandler = () => new Response(body, { headers: { 'content-type': 'text/plain' } });
let port;
if (process.argv[2] === 'ringcore') {
  port = (await serve({ host: '127.0.0.1', port: 0, fetch: fetchHandler })).address.port;
} else if (globalThis.Bun) {
  port = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fetchHandler }).port;
} else if (globalThis.Deno) {
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, fetchHandler);
  port = server.addr.port;
} else {
  const server = nodeHttp.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(body));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
}
console.log(port);
