// cp <src> <dst>: copyFile. Reads and writes are pipelined (several chunks
// in flight, registered buffers, writes at each chunk's offset); see
// docs/fs.md for how that measured against SPLICE through a pipe.
//
//   npm run example -- cp <src> <dst>
import { copyFile } from 'ringcore/fs';

export async function main(args: string[]): Promise<void> {
  const [src, dst] = args;
  if (src === undefined || dst === undefined) throw new Error('usage: cp <src> <dst>');
  await copyFile(src, dst);
}
