// Paths as the kernel reads them: NUL-terminated bytes. The buffer is pinned
// by the op that carries its address (OpSpec.pin) until the final CQE.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidArgType, invalidArgValue } from '../sys/errors.js';

/** A path as Node's fs takes it: a string, a Buffer, or a file: URL. */
export type PathLike = string | Buffer | URL;

export interface CPath {
  /** The path and a trailing NUL. */
  bytes: Buffer;
  /** The path as errors show it. */
  text: string;
}

/** Checks a path argument and encodes it for the kernel (TypeError before any SQE). */
export function toCPath(path: unknown, name = 'path'): CPath {
  let text: string;
  let bytes: Buffer;
  if (typeof path === 'string') {
    text = path;
    bytes = Buffer.from(`${path}\0`, 'utf8');
  } else if (path instanceof URL) {
    if (path.protocol !== 'file:') throw invalidArgValue(name, path.href, 'must be a file URL');
    text = fileURLToPath(path);
    bytes = Buffer.from(`${text}\0`, 'utf8');
  } else if (path instanceof Uint8Array) {
    text = Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('utf8');
    bytes = Buffer.allocUnsafe(path.byteLength + 1);
    bytes.set(path);
    bytes[path.byteLength] = 0;
  } else {
    throw invalidArgType(name, 'of type string or an instance of Buffer or URL', path);
  }
  if (bytes.indexOf(0) !== bytes.length - 1) {
    throw invalidArgValue(name, text, 'must be a string, Uint8Array, or URL without null bytes');
  }
  return { bytes, text };
}

/** `parent/name`, for a name read from a directory as bytes: names need not be UTF-8. */
export function childPath(parent: CPath, name: Buffer): CPath {
  const end = parent.bytes.length - 1;
  const bytes = Buffer.allocUnsafe(end + 1 + name.length + 1);
  parent.bytes.copy(bytes, 0, 0, end);
  bytes[end] = 0x2f; // '/'
  name.copy(bytes, end + 1);
  bytes[bytes.length - 1] = 0;
  return { bytes, text: `${parent.text}/${name.toString('utf8')}` };
}

/** The directory a path is in (path.dirname of its bytes), or undefined where dirname stops ('/', '.'). */
export function parentPath(path: CPath): CPath | undefined {
  // latin1 is one char per byte, so dirname splits on the path's own '/' bytes, whatever the rest is.
  const raw = path.bytes.toString('latin1', 0, path.bytes.length - 1);
  const up = dirname(raw);
  if (up === raw) return undefined;
  const bytes = Buffer.from(`${up}\0`, 'latin1');
  return { bytes, text: bytes.toString('utf8', 0, bytes.length - 1) };
}

/** The empty path STATX reads with AT_EMPTY_PATH (fstat): one NUL, shared. */
export const EMPTY_PATH: Buffer = Buffer.alloc(1);
