// Sends a file range to a socket without the bytes passing through JavaScript:
// IORING_OP_SPLICE file → pipe, then pipe → socket, in pipe-sized steps. The
// kernel moves page references, not copies, and no JS buffer is involved.
// One pipe per connection, made on first use and enlarged to 1 MiB so that a
// step moves 1 MiB (two ops) instead of the default 64 KiB.
import { constants } from 'node:os';
import type { Ring } from '../driver/ring.js';
import { errnoException, fileEndedEarlyError } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_close, SYS_fcntl, SYS_pipe2 } from '../sys/syscalls.js';
import { O_CLOEXEC } from '../sys/constants.js';
import type { FileBody } from './response.js';

const { EPIPE } = constants.errno;
const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const SPLICE_F_MOVE = 1;
const PIPE_BYTES = 1 << 20;

export class FileSender {
  private pipe: Int32Array | null = null;
  private capacity = 0;

  constructor(private readonly ring: Ring) {}

  private open(): Int32Array {
    const fds = new Int32Array(2);
    const ret = native.syscall(SYS_pipe2, addressOf(fds), O_CLOEXEC);
    if (ret < 0) throw errnoException(ret, 'pipe2');
    // A larger pipe means fewer steps; refused (pipe-max-size) it stays at its default.
    native.syscall(SYS_fcntl, fds[1]!, F_SETPIPE_SZ, PIPE_BYTES);
    const size = native.syscall(SYS_fcntl, fds[1]!, F_GETPIPE_SZ, 0);
    this.capacity = size > 0 ? size : 65536;
    this.pipe = fds;
    return fds;
  }

  private splice(fdIn: number, offIn: number, fdOut: number, length: number): Promise<number> {
    return this.ring.submit({
      syscall: 'splice',
      prep: (uring, sqe) => uring.prepSplice(sqe, fdIn, offIn, fdOut, -1, length, SPLICE_F_MOVE),
    });
  }

  /** Sends file.length bytes from file.offset to `socket`. Rejects if the file is shorter than promised. */
  async send(socket: number, file: FileBody): Promise<void> {
    const [pipeOut, pipeIn] = this.pipe ?? this.open();
    let offset = file.offset;
    let left = file.length;
    while (left > 0) {
      const n = await this.splice(file.fd, offset, pipeIn!, Math.min(left, this.capacity));
      if (n === 0) throw fileEndedEarlyError(left);
      offset += n;
      left -= n;
      for (let inPipe = n; inPipe > 0; ) {
        const sent = await this.splice(pipeOut!, -1, socket, inPipe);
        if (sent === 0) throw errnoException(-EPIPE, 'splice'); // the peer is gone
        inPipe -= sent;
      }
    }
  }

  close(): void {
    if (this.pipe === null) return;
    native.syscall(SYS_close, this.pipe[0]!);
    native.syscall(SYS_close, this.pipe[1]!);
    this.pipe = null;
  }
}
