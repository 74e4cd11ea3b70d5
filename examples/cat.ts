// cat <file>...: each file copied to stdout.
//
// A regular file goes through the kernel (spliceTransfer): into a regular
// file (`> out`) by copy_file_range on a libuv pool thread; otherwise with
// IORING_OP_SPLICE: its pages
// are spliced into a pipe and from there to stdout, the pairs of SPLICEs
// linked (IOSQE_IO_LINK) 16 to a chain; when stdout is itself a pipe of 1 MiB
// or more, the file is spliced straight into it, with no copy at all (into a
// smaller one, splice(2) in a loop on a libuv pool thread: one call per pipe-full). That measured about twice as fast
// as the fastest read loop (docs/fs.md). Writes go at the current position
// (-1), since stdout may be a pipe or a terminal as well as a file.
// stdin ('-', or no argument) and other non-regular files use pipelined
// READs into user buffers (several in flight), written to stdout in order.
// Short reads are completed and short writes resubmitted, on both paths.
//
//   npm run example -- cat <file>...
import { defaultRing } from 'ringcore';
import { open, spliceTransfer, transfer } from 'ringcore/fs';

export async function main(args: string[]): Promise<void> {
  const ring = defaultRing();
  const files = args.length === 0 ? ['-'] : args;
  for (const file of files) {
    if (file === '-') {
      await transfer(ring, { fd: 0 }, { fd: 1 }, { size: Infinity, positional: false, sequentialSource: true });
      continue;
    }
    await using handle = await open(file);
    const stats = await handle.stat();
    const from = { fd: handle.fd, context: { path: file } };
    if (stats.isFile() && stats.size > 0) {
      await spliceTransfer(ring, from, { fd: 1 }, { size: stats.size, positional: false });
    } else {
      // A FIFO, /proc, a 0-byte file: read until a read returns 0.
      await transfer(ring, from, { fd: 1 }, { size: Infinity, positional: false, sequentialSource: !stats.isFile() });
    }
  }
}
