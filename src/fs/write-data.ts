// What writeFile and appendFile accept: a string (with its encoding), a
// Buffer, a TypedArray or a DataView. Checked before any SQE.
import { invalidArgType } from '../sys/errors.js';

export type WriteData = string | ArrayBufferView;

export function toData(data: unknown, encoding: unknown): ArrayBufferView {
  if (typeof data === 'string') {
    if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) throw invalidArgType('options.encoding', 'a valid encoding', encoding);
    return Buffer.from(data, encoding);
  }
  if (ArrayBuffer.isView(data)) return data;
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}
