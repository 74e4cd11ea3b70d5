// node:http's listen() forms, made into one options object:
// listen([port[, host[, backlog]]][, callback]) and listen(options[, callback]),
// where a port may be a numeric string, and listen(path[, backlog][, callback])
// for a Unix socket. (Handles and fds are not served.)
import { invalidArgType, invalidArgValue, nodeHttpError } from '../../sys/errors.js';

export interface ListenOptions {
  port: number;
  /** A Unix socket path (then port and host do not count). */
  path?: string | undefined;
  host?: string | undefined;
  backlog?: number | undefined;
  reusePort?: boolean | undefined;
  ipv6Only?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

function portOf(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const port = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw nodeHttpError('ERR_SOCKET_BAD_PORT', `options.port should be >= 0 and < 65536. Received ${String(value)}.`);
  }
  return port;
}

function isPort(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)));
}

export function listenArguments(args: unknown[]): { options: ListenOptions; callback: (() => void) | undefined } {
  const last = args[args.length - 1];
  const callback = typeof last === 'function' ? (last as () => void) : undefined;
  if (callback !== undefined) args = args.slice(0, -1);
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    const given = first as Record<string, unknown>;
    if (given.fd !== undefined || given.handle !== undefined || '_handle' in given) {
      throw invalidArgType('options', 'a port and host, or a path (handles are not supported by ringcore/http)', first);
    }
    const path = typeof given.path === 'string' ? given.path : undefined;
    // As node:http: an options object must name its port or path (listen({}) is a mistake, not "any port").
    if (path === undefined && typeof given.port !== 'number' && typeof given.port !== 'string') {
      throw invalidArgValue('options', JSON.stringify(first), 'must have the property "port" or "path"');
    }
    const signal = given.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an AbortSignal', signal);
    return {
      options: {
        port: path === undefined ? portOf(given.port) : 0,
        path,
        host: typeof given.host === 'string' ? given.host : undefined,
        backlog: typeof given.backlog === 'number' ? given.backlog : undefined,
        reusePort: given.reusePort === true,
        ipv6Only: typeof given.ipv6Only === 'boolean' ? given.ipv6Only : undefined,
        signal: signal as AbortSignal | undefined,
      },
      callback,
    };
  }
  if (typeof first === 'string' && !isPort(first)) {
    // listen(path[, backlog]): a Unix socket, as node:http.
    return { options: { port: 0, path: first, backlog: typeof args[1] === 'number' ? args[1] : undefined }, callback };
  }
  if (first !== undefined && first !== null && !isPort(first)) {
    throw invalidArgType('port', 'a port number or a Unix socket path', first);
  }
  const host = typeof args[1] === 'string' ? args[1] : undefined;
  const backlog = typeof args[host === undefined ? 1 : 2] === 'number' ? (args[host === undefined ? 1 : 2] as number) : undefined;
  return { options: { port: portOf(first), host, backlog }, callback };
}
