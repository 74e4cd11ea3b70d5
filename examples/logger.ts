// logger <file> [lines] [batch]: many log lines appended to a file in
// batches, each batch one WRITEV of up to `batch` lines.
//
// The file is opened with 'a' (O_APPEND), so every write lands at the end of
// the file, at position -1 (the current position), whatever else appends to
// it (an explicit offset 0 would overwrite). Batches are written one after
// the other, so lines stay in order; a short WRITEV is resubmitted for the
// bytes it left. Lines logged while a batch is in flight wait for the next one.
//
//   npm run example -- logger /tmp/app.log 100000 256
import { defaultRing } from 'ringcore';
import { open, specs, type FileHandle } from 'ringcore/fs';

export class Logger {
  private lines: Buffer[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** WRITEV calls made. */
  batches = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly batch = 256,
  ) {}

  log(line: string): void {
    this.lines.push(Buffer.from(`${line}\n`));
    if (this.lines.length >= this.batch) void this.flush();
  }

  /** Writes what is logged so far; resolves once it is in the file. */
  flush(): Promise<void> {
    if (this.lines.length === 0) return this.writing;
    const lines = this.lines;
    this.lines = [];
    this.writing = this.writing.then(() => this.writevAll(lines));
    return this.writing;
  }

  private async writevAll(buffers: Buffer[]): Promise<void> {
    const ring = this.file.ring;
    let rest: Uint8Array[] = buffers;
    while (rest.length > 0) {
      this.batches++;
      let n = await ring.submit(specs.writevSpec(this.file.fd, rest, -1));
      // Drop what was written; keep the unwritten tail of a line cut short.
      let i = 0;
      while (i < rest.length && n >= rest[i]!.byteLength) n -= rest[i++]!.byteLength;
      rest = rest.slice(i);
      if (n > 0) rest[0] = rest[0]!.subarray(n);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }
}

/** The line number i of the example's log: the test rebuilds the file from this. */
export function logLine(i: number): string {
  return `${new Date(1_700_000_000_000 + i * 1000).toISOString()} worker=${i % 7} request ${i} ${'.'.repeat(i % 40)}`;
}

export async function main(args: string[]): Promise<void> {
  const [path, linesArg = '100000', batchArg = '256'] = args;
  if (path === undefined) throw new Error('usage: logger <file> [lines] [batch]');
  const lines = Number(linesArg);
  const batch = Math.min(Number(batchArg), 1024); // IOV_MAX
  const ring = defaultRing();
  const enters = ring.stats.enters;
  const logger = new Logger(await open(path, 'a'), batch);
  for (let i = 0; i < lines; i++) {
    logger.log(logLine(i));
    // Let the event loop turn now and then, as a server would between requests.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await logger.close();
  console.log(`logger: ${lines} lines appended to ${path} in ${logger.batches} WRITEV(s), ${ring.stats.enters - enters} io_uring_enter call(s)`);
}
