// linked_cat <file>: each chunk is a READ linked to a WRITE with
// IOSQE_IO_LINK (ring.link), so the kernel runs the write right after the
// read, with no trip back to JavaScript in between.
//
// A linked write's length is fixed when it is submitted, so it is sized from
// the file's size: CHUNK bytes, and the exact remainder for the last chunk
// (a fixed 4096 would write garbage past a short last chunk). If a read comes back
// short anyway (the file shrank, or a signal), the kernel cancels the linked
// write (ECANCELED): the bytes that were read are written by a plain write,
// and the copy goes on from there. A short write is finished the same way.
// After the size seen at the start, reads go on until one returns 0, so a
// file that grew is copied whole. A 0-byte file makes a single read of 0.
// stdout is written at its current position (-1), or, when it is a regular
// file, at explicit offsets from where it stood (FilePosition): a write at -1
// cut short by a full disk would leave the kernel's offset behind.
//
//   npm run example -- linked_cat <file>
import { defaultRing } from 'ringcore';
import { FilePosition, open, specs } from 'ringcore/fs';

const CHUNK = 128 * 1024;
const STDOUT = 1;

export async function main(args: string[]): Promise<void> {
  const [file] = args;
  if (file === undefined) throw new Error('usage: linked_cat <file>');
  const ring = defaultRing();
  await using handle = await open(file);
  const stats = await handle.stat();
  const fd = handle.fd;
  const buffer = Buffer.allocUnsafeSlow(CHUNK);
  let offset = 0;
  let links = 0;

  // Each spec pins the buffer until its CQE, even when its link was cancelled.
  const read = (length: number, at: number) => specs.readSpec(fd, buffer, 0, length, at, { path: file });
  const stdout = new FilePosition(STDOUT);
  // buffer[from, from + length) to stdout; `at`: where buffer[0] goes (-1: the current position).
  const write = (from: number, length: number, at: number) => specs.writeSpec(STDOUT, buffer, from, length, at < 0 ? -1 : at + from);
  const writeRest = async (from: number, length: number, at: number) => {
    while (length > 0) {
      const n = await ring.submit(write(from, length, at));
      from += n;
      length -= n;
    }
  };

  try {
    // Linked pairs while the size seen at the start says how long each chunk is.
    while (stats.isFile() && offset < stats.size) {
      const length = Math.min(CHUNK, stats.size - offset);
      const at = stdout.take(length);
      const [readDone, writeDone] = ring.link([read(length, offset), write(0, length, at)]) as [Promise<number>, Promise<number>];
      links++;
      const [r, w] = await Promise.allSettled([readDone, writeDone]);
      if (r.status === 'rejected') throw r.reason;
      const got = r.value;
      if (w.status === 'fulfilled') {
        // The write may be short (a full pipe): finish it.
        await writeRest(w.value, got - w.value, at);
      } else if (got === length) {
        throw w.reason; // the write itself failed (EPIPE, ENOSPC...)
      } else {
        // A short read broke the link: write what was read.
        await writeRest(0, got, at);
      }
      stdout.settle(at, length, got);
      offset += got;
      if (got === 0) break; // the file shrank: this is its end
    }

    // Then plain reads until the end of the file (it may have grown; a pipe has no size).
    for (;;) {
      const got = await ring.submit(read(CHUNK, stats.isFile() ? offset : -1));
      if (got === 0) break;
      await writeRest(0, got, stdout.take(got));
      offset += got;
    }
  } finally {
    // Whoever writes to stdout next continues after what was written.
    stdout.release();
  }
  process.stderr.write(`linked_cat: ${offset} bytes, ${links} linked read+write pair(s)\n`);
}
