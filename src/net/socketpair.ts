// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected streams.
import { usesNode } from '../backend/backend.js';
import { socketpair as nodeSocketpair } from '../fallback/net.js';
import { netRing } from './net-ring.js';
import type { Ring } from '../driver/ring.js';
import { errnoException } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM } from '../sys/socket-constants.js';
import { SYS_socketpair } from '../sys/syscalls.js';
import { UnixStream } from './unix.js';

/** Two connected Unix stream sockets (socketpair(2), AF_UNIX, SOCK_CLOEXEC), as UnixStreams on the ring. */
export function socketpair(options?: { ring?: Ring }): [UnixStream, UnixStream] {
  const ring = options?.ring ?? netRing();
  if (usesNode()) return nodeSocketpair(ring);
  const fds = new Int32Array(2);
  const ret = native.syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, addressOf(fds));
  if (ret < 0) throw errnoException(ret, 'socketpair');
  return [new UnixStream(fds[0]!, ring), new UnixStream(fds[1]!, ring)];
}
