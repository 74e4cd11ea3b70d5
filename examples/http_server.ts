// Hello world over ringcore/http. The handler gets a fetch-shaped request and
// returns a fetch-shaped response, as with Bun.serve. POST /echo answers with
// the request body (Content-Length or chunked), for trying bodies with curl.
//
// --workers N runs N worker threads, each with its own ring and its own
// SO_REUSEPORT listener on the same port: the kernel spreads connections over
// them (thread per core). The first worker picks the port; the others join it.
//
//   npm run example -- http_server [--host 127.0.0.1] [--port 0] [--workers N]
//        [--idle-timeout ms] [--headers-timeout ms] [--max-header-bytes n] [--max-body-bytes n] [--max-header-count n]
//   then: curl http://127.0.0.1:PORT/
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { HttpResponse, serve, type HttpRequest, type ServeOptions } from 'ringcore/http';

interface Settings {
  host: string;
  port: number;
  reusePort: boolean;
  idleTimeout?: number;
  headersTimeout?: number;
  limits: { maxHeaderBytes?: number; maxBodyBytes?: number; maxHeaderCount?: number };
}

async function handler(req: HttpRequest): Promise<HttpResponse> {
  if (req.method === 'POST' && req.pathname === '/echo')
    return new HttpResponse(await req.bytes(), { headers: { 'content-type': 'application/octet-stream' } });
  return new HttpResponse('Hello, World!');
}

// The hot route stays synchronous: no promise per request when none is needed.
function fetch(req: HttpRequest): HttpResponse | Promise<HttpResponse> {
  if (req.method === 'POST') return handler(req);
  return new HttpResponse('Hello, World!');
}

async function start(settings: Settings) {
  const options: ServeOptions = { host: settings.host, port: settings.port, reusePort: settings.reusePort, backlog: 4096, limits: settings.limits, fetch };
  if (settings.idleTimeout !== undefined) options.idleTimeout = settings.idleTimeout;
  if (settings.headersTimeout !== undefined) options.headersTimeout = settings.headersTimeout;
  return serve(options);
}

function settingsFrom(args: string[]): { settings: Settings; workers: number } {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      workers: { type: 'string', default: '0' },
      'idle-timeout': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'max-header-bytes': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'max-header-count': { type: 'string' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const limits: Settings['limits'] = {};
  if (values['max-header-bytes'] !== undefined) limits.maxHeaderBytes = Number(values['max-header-bytes']);
  if (values['max-body-bytes'] !== undefined) limits.maxBodyBytes = Number(values['max-body-bytes']);
  if (values['max-header-count'] !== undefined) limits.maxHeaderCount = Number(values['max-header-count']);
  const settings: Settings = { host: values.host, port: Number(values.port), reusePort: false, limits };
  const idle = num(values['idle-timeout']);
  const headers = num(values['headers-timeout']);
  if (idle !== undefined) settings.idleTimeout = idle;
  if (headers !== undefined) settings.headersTimeout = headers;
  return { settings, workers: Number(values.workers) };
}

/** Starts a worker and resolves with the port it listens on. */
function startWorker(settings: Settings): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { httpServer: settings } });
  return new Promise((resolve, reject) => {
    worker.once('message', (port: number) => resolve({ worker, port }));
    worker.once('error', reject);
  });
}

export async function main(args: string[]): Promise<void> {
  const { settings, workers } = settingsFrom(args);
  if (workers > 0) {
    const first = await startWorker({ ...settings, reusePort: true });
    const rest = await Promise.all(Array.from({ length: workers - 1 }, () => startWorker({ ...settings, port: first.port, reusePort: true })));
    console.log(`listening on ${settings.host}:${first.port}`);
    console.log(`${workers} worker threads, one ring and one SO_REUSEPORT listener each`);
    const all = [first, ...rest].map((w) => w.worker);
    const stop = () => all.forEach((w) => w.postMessage('close'));
    process.once('SIGINT', stop).once('SIGTERM', stop);
    await Promise.all(all.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    return;
  }
  const server = await start(settings);
  console.log(`listening on ${server.address.address}:${server.address.port}`);
  const stop = () => void server.close();
  process.once('SIGINT', stop).once('SIGTERM', stop);
}

// A worker thread: serve on the shared port, report it, close when told.
if (!isMainThread && (workerData as { httpServer?: Settings } | null)?.httpServer !== undefined) {
  const server = await start((workerData as { httpServer: Settings }).httpServer);
  parentPort!.postMessage(server.address.port);
  parentPort!.on('message', (message) => {
    if (message === 'close') void server.close().then(() => parentPort!.close());
  });
}
