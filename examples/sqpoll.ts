// The echo server on a ring created with IORING_SETUP_SQPOLL: a kernel thread
// polls the submission queue, so submitting needs no io_uring_enter while the
// thread is awake. When the kernel refuses SQPOLL (no CAP_SYS_NICE on kernels
// before 5.11, a container's seccomp profile, io_uring_disabled), this says so
// and why, and exits with status 1.
//
//   npm run example -- sqpoll [--host 127.0.0.1] [--port 0] [--idle-ms 1000]
import { parseArgs } from 'node:util';
import { Ring } from 'ringcore';
import { TcpListener, type TcpStream } from 'ringcore/net';

async function serve(conn: TcpStream): Promise<void> {
  try {
    for await (const chunk of conn) await conn.write(chunk);
  } catch {
    // ECONNRESET, EPIPE: the peer went away
  } finally {
    await conn.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' }, 'idle-ms': { type: 'string', default: '1000' } },
  });
  let ring: Ring;
  try {
    ring = new Ring({ entries: 1024, cqEntries: 16384, sqPoll: { idleMs: Number(values['idle-ms']) } });
  } catch (error) {
    console.error(`sqpoll: the kernel refused IORING_SETUP_SQPOLL: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  if (!ring.uring.sqPoll) {
    console.error('sqpoll: the ring was created without SQPOLL (the kernel dropped the flag)');
    process.exitCode = 1;
    return;
  }
  const listener = await TcpListener.bind({ host: values.host, port: Number(values.port), backlog: 4096, ring });
  const { address, port } = listener.address();
  console.log(`listening on ${address}:${port}`);
  console.log(`(SQPOLL ring: a kernel thread polls the SQ, idle after ${values['idle-ms']} ms)`);
  const stop = () => void listener.close();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  for await (const conn of listener) void serve(conn);
  await ring.close();
}
