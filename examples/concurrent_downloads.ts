// 100 concurrent GETs against a local server, every one in flight at once.
//
// The client is ringcore too: each download is a CONNECT, a SEND of the
// request and RECVs until the body is complete. All 100 connects are
// started in the same turn, so their SQEs go to the kernel in one
// io_uring_enter; the sends that follow them do the same, and so on. The
// example counts the ops in flight after each turn and reports the peak.
//
// Without --port it starts its own ringcore/http server in this process,
// serving a body of --size bytes; with --port it downloads from that server.
//
//   npm run example -- concurrent_downloads [--count 100] [--size 100000] [--host 127.0.0.1] [--port P] [--path /]
import { parseArgs } from 'node:util';
import { addTraceListener, constants } from 'ringcore';
import { HttpResponse, serve } from 'ringcore/http';
import { netRing, TcpStream } from 'ringcore/net';

/** One GET on its own connection: the body's length once it has all arrived. */
async function download(host: string, port: number, target: string): Promise<number> {
  const stream = await TcpStream.connect({ host, port });
  try {
    await stream.write(`GET ${target} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
    const buf = Buffer.allocUnsafe(64 * 1024);
    let head = '';
    let bodyBytes = 0;
    let expected = -1;
    for (;;) {
      const n = await stream.read(buf);
      if (n === 0) break;
      if (expected < 0) {
        head += buf.toString('latin1', 0, n);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) continue;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
        if (status !== '200') throw new Error(`GET ${target}: status ${status}`);
        expected = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
        bodyBytes = head.length - end - 4;
      } else {
        bodyBytes += n;
      }
      if (expected >= 0 && bodyBytes >= expected) break;
    }
    if (bodyBytes !== expected) throw new Error(`GET ${target}: ${bodyBytes} body bytes, Content-Length ${expected}`);
    return bodyBytes;
  } finally {
    await stream.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      count: { type: 'string', default: '100' },
      size: { type: 'string', default: '100000' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      path: { type: 'string', default: '/' },
    },
  });
  const count = Number(values.count);
  const host = values.host;
  const body = Buffer.alloc(Number(values.size), 'x');
  const server = values.port === undefined ? await serve({ host, port: 0, backlog: 4096, fetch: () => new HttpResponse(body) }) : null;
  const port = server?.address.port ?? Number(values.port);

  // Watch the ring: CONNECT SQEs per io_uring_enter, and ops in flight
  // (SQEs in, final CQEs out). Sampling from a timer would not work: on
  // loopback most ops complete inside the enter that submits them, so the
  // downloads run start to finish without the event loop turning.
  // The ring ringcore/net (and ringcore/http) use for sockets on this thread.
  const ring = netRing();
  let connects = 0;
  let largestConnectBatch = 0;
  let inFlight = ring.inFlight;
  let peak = inFlight;
  const stop = addTraceListener((event) => {
    if (event.ring !== ring.uring.id) return;
    if (event.type === 'sqe') {
      if (event.opcode === constants.IORING_OP_CONNECT) connects++;
      peak = Math.max(peak, ++inFlight);
    } else if (event.type === 'cqe') {
      if ((event.flags & constants.IORING_CQE_F_MORE) === 0) inFlight--;
    } else {
      largestConnectBatch = Math.max(largestConnectBatch, connects);
      connects = 0;
    }
  });

  const enters = ring.stats.enters;
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: count }, () => download(host, port, values.path)));
  const ms = performance.now() - started;
  stop();

  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`${count} concurrent GETs of ${host}:${port}${values.path}: ${total} body bytes in ${ms.toFixed(1)} ms`);
  console.log(`CONNECT SQEs in one io_uring_enter: ${largestConnectBatch} of ${count}`);
  console.log(`peak ops in flight on the ring: ${peak} (the server's included when it runs in this process)`);
  console.log(`io_uring_enter calls: ${ring.stats.enters - enters} for ${count} downloads`);
  await server?.close();
}
