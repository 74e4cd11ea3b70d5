// Sends a file range to a socket without the bytes passing through JavaScript:
// IORING_OP_SPLICE file → pipe, then pipe → socket, in pipe-sized steps. The
// kernel moves page references, not copies, and no JS buffer is involved.
// One pipe per connection, made on first use and enlarged to 1 MiB so that a
// step moves 1 MiB (two ops) instead of the default 64 KiB.
import type { Ring } from '../driver/ring.js';
import { errnoException, fileEndedEarlyError } from '../sys/errors.js';
import { native } from '../sys/native.js';
import { SYS_close } from '../sys/syscalls.js';
import type { FileBody } from './response.js';
import { EPIPE } from '../sys/errno.js';

// fs/splice-spec.js is loaded by the first file body, not with ringcore/http: in the
// package's bundles it lives in the fs chunk, which ringcore/http would
// otherwise read and compile at import for these two functions
// (docs/performance.md, "Import cost", session 13).
type SpliceModule = typeof import('../fs/splice-spec.js');
let spliceModule: SpliceModule | undefined;
const loadSplice = async (): Promise<SpliceModule> => (spliceModule ??= await import('../fs/splice-spec.js'));

export class FileSender {
  /** [read end, write end, its size], made on first use. */
  private pipe: [number, number, number] | null = null;

  constructor(private readonly ring: Ring) {}

  /** Sends file.length bytes from file.offset to `socket`. Rejects if the file is shorter than promised. */
  async send(socket: number, file: FileBody): Promise<void> {
    const { makePipe, spliceSpec } = spliceModule ?? (await loadSplice());
    const ring = this.ring;
    const splice = (fdIn: number, offIn: number, fdOut: number, length: number): Promise<number> => ring.submit(spliceSpec(fdIn, offIn, fdOut, -1, length));
    const [pipeOut, pipeIn, capacity] = (this.pipe ??= makePipe());
    let offset = file.offset;
    let left = file.length;
    while (left > 0) {
      const n = await splice(file.fd, offset, pipeIn, Math.min(left, capacity));
      if (n === 0) throw fileEndedEarlyError(left);
      offset += n;
      left -= n;
      for (let inPipe = n; inPipe > 0; ) {
        const sent = await splice(pipeOut, -1, socket, inPipe);
        if (sent === 0) throw errnoException(-EPIPE, 'splice'); // the peer is gone
        inPipe -= sent;
      }
    }
  }

  close(): void {
    if (this.pipe === null) return;
    native.syscall(SYS_close, this.pipe[0]);
    native.syscall(SYS_close, this.pipe[1]);
    this.pipe = null;
  }
}
