// A response body of 4 GiB through createServer(), in one write made after
// the head went out: that write is one SEND, whose length field is 32 bits.
// A 4 GiB buffer was a SEND of 0 bytes, made again for ever (the server spun,
// the client waited). The SQEs on the trace show what the kernel is asked
// for; the client reads the first megabytes and leaves, so the test moves
// little data (first touches of memory are slow on these VMs: 4 GiB sent
// took 12 to 20 s).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { once } from 'node:events';
import net from 'node:net';

import { createServer } from '../../src/http/index.js';
import { addTraceListener, type SqeEvent } from '../../src/ring/trace-hook.js';
import { MAX_OP_BYTES } from '../../src/net/stream.js';
import { IORING_OP_SEND } from '../../src/sys/constants.js';

const SIZE = 2 ** 32;

test('a 4 GiB body written after flushHeaders() goes as SENDs of at most 2 GiB, never one of 0 bytes, and the bytes flow', {
  skip: constants.MAX_LENGTH < SIZE ? `this runtime's Buffer holds at most ${constants.MAX_LENGTH} bytes` : false,
  // The bug spun: a time limit makes it a failure, not a hang.
  timeout: 30_000,
}, async () => {
  // Never touched: the pages the kernel does not read stay unmapped.
  const body = Buffer.allocUnsafe(SIZE);
  const sends: SqeEvent[] = [];
  const stop = addTraceListener((event) => {
    if (event.type === 'sqe' && event.opcode === IORING_OP_SEND) sends.push(event);
  });
  const server = createServer((_req, res) => {
    res.on('error', () => {});
    res.writeHead(200, { 'content-length': SIZE });
    res.flushHeaders();
    setTimeout(() => res.end(body), 20);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    let received = 0;
    for await (const chunk of client) {
      received += (chunk as Buffer).length;
      if (received > 8 << 20) break;
    }
    client.destroy();
    assert.ok(received > 8 << 20, `${received} bytes came`);
    const lengths = sends.map((e) => e.len);
    assert.ok(lengths.includes(MAX_OP_BYTES), `a SEND of ${MAX_OP_BYTES} bytes among ${lengths.join(', ')}`);
    assert.ok(!lengths.includes(0), 'no SEND of 0 bytes');
  } finally {
    stop();
    server.closeAllConnections();
    server.close();
  }
});
