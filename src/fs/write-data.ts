// What writeFile and appendFile accept: a string (with its encoding), a
// Buffer, a TypedArray or a DataView. Checked before any SQE.
import { invalidArgType } from '../sys/errors.js';
import { checkEncoding } from './args.js';

export type WriteData = string | ArrayBufferView;

export function toData(data: unknown, encoding: unknown): ArrayBufferView {
  if (typeof data === 'string') {
    return Buffer.from(data, checkEncoding(encoding));
  }
  if (ArrayBuffer.isView(data)) return data;
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}
