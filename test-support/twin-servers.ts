// The same app on ringcore/http's createServer and on node:http's, side by
// side, for the middleware tests: each check runs against both servers with
// real clients (node:http, fetch, curl, raw node:net) and what the client saw
// is compared. A response is compared as its status, its headers (without
// Date, which is the clock's) and its body's length and SHA-256.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';

import { createServer, type Server } from '../src/http/index.js';
import { runtime } from '../src/sys/runtime.js';

export type AnyServer = Server | http.Server;
/** A createServer, called as node:http's is: `([options], [listener])` (@hono/node-server passes options first). */
export type Create = (...args: [http.RequestListener] | [http.ServerOptions, http.RequestListener]) => AnyServer;

export interface Side {
  name: 'ringcore' | 'node:http';
  server: AnyServer;
  port: number;
  base: string;
  /** Connections the server accepted. */
  connections: () => number;
}

/**
 * node:http's createServer and ringcore's, named, for a check run on each in turn. node:http is the reference on
 * Node only: Bun's and Deno's reimplement it with other behaviour (docs/architecture.md, "The test suite on Bun and
 * Deno"), so there only ringcore's is checked.
 */
export function nodeHttpThenRingcore(): [name: 'node:http' | 'createServer', make: typeof http.createServer][] {
  const ringcore: [name: 'createServer', make: typeof http.createServer] = ['createServer', createServer as unknown as typeof http.createServer];
  return runtime === 'node' ? [['node:http', http.createServer], ringcore] : [ringcore];
}

/** Listens on 127.0.0.1, any port. */
function listen(server: AnyServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    (server as http.Server).listen(0, '127.0.0.1', () => resolve());
  });
}

/**
 * Starts the app twice: `start(create, name)` builds it on the given createServer and returns the server
 * (listening, or not yet: it is then listened on here).
 */
export async function twins(start: (create: Create, name: Side['name']) => AnyServer | Promise<AnyServer>): Promise<Side[]> {
  const sides: Side[] = [];
  for (const [name, create] of [
    ['ringcore', createServer as Create],
    ['node:http', http.createServer as Create],
  ] as const) {
    const server = await start(create, name);
    if (!server.listening) await listen(server);
    let connections = 0;
    server.on('connection', () => connections++);
    const port = (server.address() as { port: number }).port;
    sides.push({ name, server, port, base: `http://127.0.0.1:${port}`, connections: () => connections });
  }
  return sides;
}

/** Ends both servers: connections destroyed, then close() awaited (whatever a failed check left open). */
export async function shutDown(sides: Side[]): Promise<void> {
  for (const { server } of sides) {
    server.closeAllConnections();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Runs `check` on each side in turn; the results must be deep-equal. Returns node:http's. */
export async function same<T>(sides: Side[], check: (side: Side) => Promise<T>, what = 'result'): Promise<T> {
  const results: T[] = [];
  for (const side of sides) results.push(await check(side));
  assert.deepEqual(results[0], results[1], `${what}: ringcore (actual) differs from node:http (expected)`);
  return results[1]!;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface Seen {
  status: number;
  headers: Record<string, string | string[]>;
  length: number;
  sha256: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** A whole body (sent with Content-Length unless a header says otherwise), or pieces sent chunked, a turn apart. */
  body?: Buffer | string | Buffer[];
  agent?: http.Agent | false;
}

/** A request with node:http's client; resolves with the response and its whole body. */
export function request(base: string, path: string, options: RequestOptions = {}): Promise<{ res: http.IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) {
      void (async () => {
        for (const piece of body) {
          if (!req.write(piece)) await new Promise((r) => req.once('drain', r));
          await new Promise((r) => setImmediate(r));
        }
        req.end();
      })();
    } else req.end(body);
  });
}

/** What a client can compare of a response: status, headers but Date, the body's length and hash. */
export function seen(res: http.IncomingMessage, body: Buffer): Seen {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) if (name !== 'date' && value !== undefined) headers[name] = value;
  return { status: res.statusCode!, headers, length: body.length, sha256: sha256(body) };
}

/** request() then seen(). */
export async function look(base: string, path: string, options: RequestOptions = {}): Promise<Seen> {
  const { res, body } = await request(base, path, options);
  return seen(res, body);
}

/** A raw response stream made comparable: Date headers removed. */
export const withoutDates = (data: string): string => data.replace(/\r\ndate: [^\r]*/gi, '');

/** Waits (a turn at a time, at most `turns` 10 ms sleeps) until `ready()` holds. */
export async function until(ready: () => boolean | Promise<boolean>, turns = 500): Promise<boolean> {
  for (let i = 0; i < turns; i++) {
    if (await ready()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return ready();
}

/** The server's open connections, as getConnections() counts them. */
export function openConnections(server: AnyServer): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}
