// cp <src> <dst>: copyFile. The bytes go through the kernel with
// IORING_OP_SPLICE: file → pipe → file, the pairs of SPLICEs linked 16 to a
// chain, so they never pass through JavaScript. See docs/fs.md for how that
// measured against pipelined READ/WRITE (copyFile's `method: 'readwrite'`).
//
//   npm run example -- cp <src> <dst>
import { copyFile } from 'ringcore/fs';

export async function main(args: string[]): Promise<void> {
  const [src, dst] = args;
  if (src === undefined || dst === undefined) throw new Error('usage: cp <src> <dst>');
  await copyFile(src, dst);
}
