// ringcore/http on the node backend: a file body is read with Node's fs and
// written to the socket (the io_uring path splices it through a pipe).
import { read } from 'node:fs';
import type { SocketStream } from '../net/stream.js';
import type { FileBody } from '../http/response.js';
import { fileEndedEarlyError } from '../sys/errors.js';

const STEP = 256 * 1024;

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, position, (error, n) => (error ? reject(error) : resolve(n))));
}

/** Sends file.length bytes from file.offset; rejects if the file is shorter than promised. */
export async function sendFile(stream: SocketStream, file: FileBody): Promise<void> {
  let offset = file.offset;
  let left = file.length;
  while (left > 0) {
    // A fresh buffer per step: the socket may still hold the last one.
    const buffer = Buffer.allocUnsafe(Math.min(left, STEP));
    const n = await readAt(file.fd, buffer, buffer.length, offset);
    if (n === 0) throw fileEndedEarlyError(left);
    await stream.write(buffer.subarray(0, n));
    offset += n;
    left -= n;
  }
}
