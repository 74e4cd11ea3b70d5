// The TCP echo servers the net scenarios start in a process of their own:
// ringcore's echo example, ringcore's plain read/write server, and node:net's.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/, where the built servers are (this file is dist/bench/lib/echo-servers.js). */
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Each server's script and arguments, for `node`; all take --host and --port. */
export const ECHO_SERVERS = {
  ringcore: [path.join(dist, 'examples', 'run.js'), 'echo'],
  plain: [path.join(dist, 'bench', 'servers', 'ringcore-plain-echo.js')],
  node: [path.join(dist, 'bench', 'servers', 'node-echo.js')],
};
