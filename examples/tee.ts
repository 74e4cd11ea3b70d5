// tee [-a] <file>...: stdin copied to stdout and to every file.
//
// Each chunk read from stdin is written to stdout and to all the files at
// once (one batch of SQEs), and each file is written at its own offset, which
// advances by what was written to it (not offset 0 each time, which would overwrite).
// With -a the files are opened with O_APPEND and written at the current
// position (-1). stdout is written at the current position too, unless it is
// a regular file: then at explicit offsets from where it stood (FilePosition),
// since the kernel does not move the offset for a write at -1 cut short by an
// error (a full disk), and the rest would land at the start of the file.
// Every write is completed: a short write is resubmitted.
//
//   some-command | npm run example -- tee [-a] <file>...
import { defaultRing } from 'ringcore';
import { FilePosition, open, specs, type FileHandle } from 'ringcore/fs';

const CHUNK = 128 * 1024;

export async function main(args: string[]): Promise<void> {
  const append = args[0] === '-a';
  const paths = append ? args.slice(1) : args;
  const ring = defaultRing();
  const files: FileHandle[] = await Promise.all(paths.map((path) => open(path, append ? 'a' : 'w')));
  const offsets = files.map(() => 0);
  const buffer = Buffer.allocUnsafeSlow(CHUNK);
  const stdout = new FilePosition(1);

  // All of buffer[0, length) to fd, at `at` (-1: the current position).
  const writeAll = async (fd: number, length: number, at: number) => {
    for (let done = 0; done < length; ) {
      done += await ring.submit(specs.writeSpec(fd, buffer, done, length - done, at < 0 ? -1 : at + done));
    }
  };

  try {
    for (;;) {
      const got = await ring.submit(specs.readSpec(0, buffer, 0, CHUNK, -1));
      if (got === 0) break;
      await Promise.all([
        (async () => {
          const at = stdout.take(got);
          await writeAll(1, got, at);
          stdout.settle(at, got, got);
        })(),
        ...files.map(async (file, i) => {
          await writeAll(file.fd, got, append ? -1 : offsets[i]!);
          offsets[i]! += got;
        }),
      ]);
    }
  } finally {
    stdout.release();
    await Promise.all(files.map((file) => file.close()));
  }
}
