// The server of test/http/connection-cap.test.ts, run under a low RLIMIT_NOFILE: prints its port.
import { HttpResponse, serve } from '../src/http/index.js';

const server = await serve({ host: '127.0.0.1', idleTimeout: 60_000, fetch: (req) => new HttpResponse(req.pathname.slice(1)) });
process.stdout.write(`${server.address.port}\n`);
