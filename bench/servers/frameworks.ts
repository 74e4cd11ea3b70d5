// One app of the frameworks benchmark: bare node:http-style handler, Express,
// Fastify, Koa or Hono, on node:http or on ringcore/http's createServer (the
// same app code either way). Routes: GET / answers "Hello, World!"
// (text/plain), GET /json a 1 KiB JSON document; the bare app also answers GET
// /stream (64 KiB as 64 res.write() calls, chunked) and GET /large (1 MiB in one res.end()). Prints "listening on
// HOST:PORT" first, as the other bench servers do.
//   --app bare|express|fastify|koa|hono   --on node|ringcore
import http, { type RequestListener } from 'node:http';
import { parseArgs } from 'node:util';
import { createServer as ringcoreCreateServer } from 'ringcore/http';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    app: { type: 'string', default: 'bare' },
    on: { type: 'string', default: 'node' },
  },
});
const host = values.host;
const port = Number(values.port);

/** The 1 KiB JSON body (1053 bytes): 16 small records. */
const records = Array.from({ length: 16 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b'], price: i * 1.25, ok: i % 2 === 0 }));
const HELLO = 'Hello, World!';
/** The bare app's /stream (64 res.write() of 1 KiB, chunked) and /large (1 MiB in one res.end()) bodies. */
const KIB = Buffer.alloc(1024, 0x61);
const MIB = Buffer.alloc(1 << 20, 0x62);

type Factory = (listener: RequestListener) => http.Server;
const factory: Factory =
  values.on === 'ringcore' ? (listener) => ringcoreCreateServer(listener) as unknown as http.Server : (listener) => http.createServer(listener);

function announce(server: http.Server): void {
  console.log(`listening on ${host}:${(server.address() as { port: number }).port}`);
}

function listen(server: http.Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(port, host, 4096, () => announce(server));
}

switch (values.app) {
  case 'bare':
    listen(
      factory((req, res) => {
        if (req.url === '/json') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(records));
        } else if (req.url === '/stream') {
          res.setHeader('content-type', 'text/plain');
          for (let i = 0; i < 64; i++) res.write(KIB);
          res.end();
        } else if (req.url === '/large') {
          res.setHeader('content-type', 'application/octet-stream');
          res.end(MIB);
        } else {
          res.setHeader('content-type', 'text/plain');
          res.end(HELLO);
        }
      }),
    );
    break;
  case 'express': {
    const { default: express } = await import('express');
    const app = express();
    app.get('/', (_req, res) => {
      res.type('text/plain').send(HELLO);
    });
    app.get('/json', (_req, res) => {
      res.json(records);
    });
    listen(factory(app));
    break;
  }
  case 'fastify': {
    const { default: Fastify } = await import('fastify');
    let server: http.Server | null = null;
    const app = Fastify({ serverFactory: (handler) => (server = factory(handler as RequestListener)) });
    app.get('/', async (_req, reply) => reply.type('text/plain').send(HELLO));
    app.get('/json', async () => records);
    await app.listen({ port, host, backlog: 4096 });
    server!.keepAliveTimeout = 60_000;
    announce(server!);
    break;
  }
  case 'koa': {
    const { default: Koa } = await import('koa');
    const app = new Koa();
    app.use(async (ctx) => {
      if (ctx.path === '/json') ctx.body = records;
      else ctx.body = HELLO;
    });
    listen(factory(app.callback()));
    break;
  }
  case 'hono': {
    const { Hono } = await import('hono');
    const { getRequestListener } = await import('@hono/node-server');
    const app = new Hono();
    app.get('/', (c) => c.text(HELLO));
    app.get('/json', (c) => c.json(records));
    listen(factory(getRequestListener(app.fetch) as RequestListener));
    break;
  }
  default:
    throw new Error(`unknown --app ${values.app}`);
}
