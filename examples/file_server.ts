// A static file server over ringcore/http and ringcore/fs.
//
// GET and HEAD; Content-Type by extension, Content-Length, Last-Modified,
// If-Modified-Since (304), one Range per request (206, or 416 when it starts
// past the end), 404. A directory is served by its index.html (typed as
// HTML) when asked for with its trailing slash, and redirected (301) to that
// form without it; a file asked for with a trailing slash is 404, as nginx. Files up to 64 KiB are read (one IORING_OP_READ) and
// sent with their headers in one send; larger ones go file → pipe → socket
// with IORING_OP_SPLICE, so their bytes never pass through JavaScript.
//
// Nothing outside --root is ever served: the path is decoded strictly
// (file_server/safe-path.ts refuses "..", %2e%2e, %2f, backslashes, NUL and
// overlong UTF-8 with a 403), and once a file is open, the path the kernel
// reports for its fd (/proc/self/fd) must still be under the root, so a
// symlink that points out is refused too (403), with no window between the
// check and the use.
//
//   npm run example -- file_server --root DIR [--host 127.0.0.1] [--port 0]
//   then: curl -O http://127.0.0.1:PORT/some/file
import { readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { open, type FileHandle } from 'ringcore/fs';
import { HttpResponse, serve, type HttpRequest } from 'ringcore/http';
import { contentType } from './file_server/mime.js';
import { parseRange } from './file_server/range.js';
import { resolveUnder } from './file_server/safe-path.js';

/** Read and sent with the headers below this size; spliced at or above it. */
const SMALL = 64 * 1024;
/** O_RDONLY | O_NONBLOCK: a FIFO under the root must not block the open. */
const OPEN_FLAGS = 0o4000;

const text = (status: number, body: string, headers: Record<string, string> = {}) => new HttpResponse(`${body}\n`, { status, headers });

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? '';
}

interface Opened {
  handle: FileHandle;
  /** The file served: `file`, or the index.html of a directory. */
  file: string;
  size: number;
  mtimeMs: number;
}

/**
 * Opens `file` if it is a regular file whose real path is under `root`; a
 * response otherwise. `slash`: the request path ended with "/", which names
 * a directory (its index.html) and never a file; a directory asked for
 * without it is redirected to `location`.
 */
async function openUnder(root: string, file: string, slash: boolean, location: string): Promise<Opened | HttpResponse> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EPERM') return text(403, 'Forbidden');
    return text(404, 'Not Found');
  }
  try {
    const real = readlinkSync(`/proc/self/fd/${handle.fd}`);
    if (real !== root && !real.startsWith(root + path.sep)) throw Object.assign(new Error('outside the root'), { status: 403 });
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      await handle.close();
      if (!slash) return text(301, 'Moved Permanently', { location });
      return openUnder(root, path.join(file, 'index.html'), false, location);
    }
    if (!stats.isFile() || slash) throw Object.assign(new Error('not a regular file'), { status: 404 });
    return { handle, file, size: stats.size, mtimeMs: stats.mtimeMs };
  } catch (error) {
    await handle.close();
    const status = (error as { status?: number }).status ?? 404;
    return status === 403 ? text(403, 'Forbidden') : text(404, 'Not Found');
  }
}

export function fileHandler(root: string) {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    const file = resolveUnder(root, req.pathname);
    if (file === null) return text(403, 'Forbidden');
    const pathname = req.pathname;
    const slash = pathname.endsWith('/');
    // The same target with the slash added, query kept: where a directory lives.
    const query = req.target.indexOf('?');
    const location = `${pathname}/${query < 0 ? '' : req.target.slice(query)}`;
    const opened = await openUnder(root, file, slash, location);
    if (opened instanceof HttpResponse) return opened;
    const { handle, size, mtimeMs } = opened;

    const lastModified = new Date(Math.floor(mtimeMs / 1000) * 1000);
    const headers: Record<string, string> = {
      'content-type': contentType(opened.file),
      'last-modified': lastModified.toUTCString(),
      'accept-ranges': 'bytes',
    };
    const since = req.headers.get('if-modified-since');
    if (since !== null && req.headers.get('range') === null && Date.parse(since) >= lastModified.getTime()) {
      await handle.close();
      return new HttpResponse(null, { status: 304, headers });
    }

    const range = parseRange(req.headers.get('range'), size);
    if (range === 'unsatisfiable') {
      await handle.close();
      return text(416, 'Range Not Satisfiable', { 'content-range': `bytes */${size}` });
    }
    let status = 200;
    let start = 0;
    let length = size;
    if (range !== null) {
      status = 206;
      start = range.start;
      length = range.end - range.start + 1;
      headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    }

    if (length < SMALL && req.method === 'GET') {
      try {
        const buffer = Buffer.allocUnsafe(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return new HttpResponse(buffer.subarray(0, filled), { status, headers });
      } finally {
        await handle.close();
      }
    }
    // Large (or HEAD): the connection splices the range, then calls done() to close the file.
    return new HttpResponse({ fd: handle.fd, offset: start, length, done: () => void handle.close() }, { status, headers });
  };
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { root: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
  });
  if (values.root === undefined) {
    console.error('usage: npm run example -- file_server --root DIR [--host H] [--port P]');
    process.exitCode = 2;
    return;
  }
  // The real path: the /proc/self/fd check compares real paths.
  const root = realpathSync(path.resolve(values.root));
  const server = await serve({ host: values.host, port: Number(values.port), backlog: 4096, fetch: fileHandler(root) });
  console.log(`listening on ${server.address.address}:${server.address.port}`);
  console.log(`serving ${root}`);
  const stop = () => void server.close();
  process.once('SIGINT', stop).once('SIGTERM', stop);
}
