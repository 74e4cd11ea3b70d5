// The arguments of FileHandle.read() and write(), in node:fs/promises' forms,
// checked and resolved in one place for both backends: the node backend hands
// them to Node's FileHandle only once they are, since Node 20 aborts the
// process on some it does not check itself (a length of 1.5).
import { invalidArgType } from '../sys/errors.js';
import { checkBuffer, checkPosition, checkRange } from './args.js';
import { checkOptions, type FsOptions } from './options.js';

/** A read or write, checked: the bytes, their range, the file position (-1: the current one) and the signal. */
export interface IoCall {
  buffer: ArrayBufferView;
  off: number;
  len: number;
  pos: number;
  signal: AbortSignal | undefined;
}

/** read()'s and write()'s options objects (FileHandle's ReadOptions, WriteOptions). */
interface RangeOptions extends FsOptions {
  buffer?: unknown;
  offset?: unknown;
  length?: unknown;
  position?: unknown;
}

/** The call's range and position in `view`, checked. */
function checked(view: ArrayBufferView, offset: unknown, length: unknown, position: unknown, signal: AbortSignal | undefined): IoCall {
  const [off, len] = checkRange(view, offset, length);
  return { buffer: view, off, len, pos: checkPosition(position), signal };
}

/** The call's range and position from its options object. */
const fromOptions = (view: ArrayBufferView, o: RangeOptions): IoCall => checked(view, o.offset, o.length, o.position, o.signal);

/** read(buffer, offset?, length?, position?, options?), read(buffer, options) or read(options). */
export function readCall(bufferOrOptions: unknown, offsetOrOptions: unknown, length: unknown, position: unknown, options: unknown): IoCall {
  if (bufferOrOptions === undefined || (!ArrayBuffer.isView(bufferOrOptions) && typeof bufferOrOptions === 'object')) {
    const o = checkOptions<RangeOptions>(bufferOrOptions);
    return fromOptions(checkBuffer(o.buffer ?? Buffer.alloc(16384)), o);
  }
  const view = checkBuffer(bufferOrOptions);
  if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') return fromOptions(view, checkOptions<RangeOptions>(offsetOrOptions));
  return checked(view, offsetOrOptions, length, position, checkOptions<FsOptions>(options).signal);
}

/** write(buffer, offset?, length?, position?, options?), write(buffer, options), or write(string, position?, encoding?, options?). */
export function writeCall(data: unknown, offsetOrOptions: unknown, lengthOrEncoding: unknown, position: unknown, options: unknown): IoCall {
  if (typeof data === 'string') {
    const encoding = lengthOrEncoding ?? 'utf8';
    if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) throw invalidArgType('encoding', 'a valid encoding', encoding);
    const buffer = Buffer.from(data, encoding);
    const pos = checkPosition(offsetOrOptions);
    const opts = checkOptions<FsOptions>(position === undefined || position === null ? options : position);
    return { buffer, off: 0, len: buffer.byteLength, pos, signal: opts.signal };
  }
  const view = checkBuffer(data);
  if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') return fromOptions(view, checkOptions<RangeOptions>(offsetOrOptions));
  return checked(view, offsetOrOptions, lengthOrEncoding, position, checkOptions<FsOptions>(options).signal);
}
