// node:http hello world, the Node side of the HTTP benchmark. Prints
// "listening on HOST:PORT" first, as the examples do.
//   --cluster N   N worker processes under node:cluster (the primary only hands out connections)
//   --adapter     the same handler over ringcore sockets (ringcore/net's serveHttp)
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serveHttp, TcpListener } from 'ringcore/net';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    cluster: { type: 'string', default: '0' },
    adapter: { type: 'boolean', default: false },
  },
});
const host = values.host;
const workers = Number(values.cluster);

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('Hello, World!');
});
server.keepAliveTimeout = 60_000;

if (workers > 0 && cluster.isPrimary) {
  // The primary binds (port 0 → a free port), the workers share it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(Number(values.port), host, resolve));
  const port = (probe.address() as { port: number }).port;
  probe.close();
  for (let i = 0; i < workers; i++) cluster.fork({ BENCH_PORT: String(port) });
  let ready = 0;
  cluster.on('listening', () => {
    if (++ready === workers) console.log(`listening on ${host}:${port}`);
  });
  // Exit once the workers have: reaped by this process, their CPU time counts as the benchmark run's.
  process.once('SIGTERM', () => {
    let alive = Object.keys(cluster.workers ?? {}).length;
    if (alive === 0) process.exit(0);
    cluster.on('exit', () => --alive === 0 && process.exit(0));
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
  });
} else if (workers > 0) {
  server.listen(Number(process.env.BENCH_PORT), host, 4096);
} else if (values.adapter) {
  const listener = await TcpListener.bind({ host, port: Number(values.port), backlog: 4096 });
  serveHttp(server, listener);
  console.log(`listening on ${host}:${listener.address().port}`);
} else {
  server.listen(Number(values.port), host, 4096, () => console.log(`listening on ${host}:${(server.address() as { port: number }).port}`));
}
