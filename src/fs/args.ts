// Argument checks shared by the FileHandle methods, done before any SQE is
// written: wrong types are TypeErrors, wrong numbers RangeErrors (Node's codes).
import { invalidArgType, invalidArgValue, outOfRange } from '../sys/errors.js';

/** Node's kIoMaxLength: the largest single read or write, and the largest file readFile returns. */
export const MAX_IO = 2 ** 31 - 1;

export function checkBuffer(buffer: unknown, name = 'buffer'): ArrayBufferView {
  if (!ArrayBuffer.isView(buffer)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', buffer);
  return buffer;
}

/** readFile()'s and writeFile()'s encoding: Node's ERR_INVALID_ARG_VALUE for one Buffer does not know. */
export function checkEncoding(encoding: unknown): BufferEncoding {
  if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) throw invalidArgValue('encoding', encoding, 'is invalid encoding');
  return encoding;
}

/** readv()'s and writev()'s list of buffers. */
export function checkBuffers(buffers: unknown): void {
  if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'an instance of Array', buffers);
  buffers.forEach((b, i) => checkBuffer(b, `buffers[${i}]`));
}

export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `an integer >= ${min} && <= ${max}`, value);
  return value;
}

/** A file position: null, undefined and -1 mean the current position (-1 in the SQE: IORING_FEAT_RW_CUR_POS). */
export function checkPosition(position: unknown, name = 'position'): number {
  if (position === null || position === undefined) return -1;
  if (typeof position === 'bigint') {
    if (position === -1n) return -1;
    if (position < 0n || position > BigInt(Number.MAX_SAFE_INTEGER)) throw outOfRange(name, `>= 0 && <= ${Number.MAX_SAFE_INTEGER}`, position);
    return Number(position);
  }
  if (typeof position !== 'number') throw invalidArgType(name, 'of type number or bigint', position);
  if (position === -1) return -1;
  return checkInteger(position, name, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * offset and length inside `buffer` (defaults: 0 and the rest of the buffer).
 * A length past MAX_IO is a RangeError whether given or the default, as
 * Node's write: an SQE's length is 32 bits, and a 4 GiB buffer read 0 bytes
 * there, as at the end of the file.
 */
export function checkRange(buffer: ArrayBufferView, offset: unknown, length: unknown): [number, number] {
  const size = buffer.byteLength;
  const off = offset === undefined || offset === null ? 0 : checkInteger(offset, 'offset', 0, size);
  const len = length === undefined || length === null ? size - off : checkInteger(length, 'length', 0, Math.min(size - off, MAX_IO));
  if (len > MAX_IO) throw outOfRange('length', `an integer >= 0 && <= ${MAX_IO}`, len);
  return [off, len];
}

/** FileHandle.allocate()'s offset, length and FALLOC_FL_* mode. */
export function checkAllocation(offset: unknown, length: unknown, mode: unknown): void {
  checkInteger(offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
  checkInteger(length, 'length', 1, Number.MAX_SAFE_INTEGER);
  checkInteger(mode, 'mode', 0, 0xffffffff);
}
