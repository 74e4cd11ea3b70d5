// res.write(string, encoding) and res.end(string, encoding) with an unknown encoding. node:http's ServerResponse
// before Node 24 wrote a chunked response's size line, then the socket's write threw ERR_UNKNOWN_ENCODING: the
// client got a size line with no chunk behind it, and the next chunk was read as that one's (a corrupt stream;
// node:http's own server on Node 20 too). A response waiting behind a pipelined one kept the write, and threw it
// when it got the socket, in the earlier response's 'finish'. createServer's responses now check the encoding
// first, as Node 24's: a TypeError, nothing written.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from '../../test-support/backend.js';
import { createServer } from '../../src/http/index.js';

/** The chunked body of each response in `raw`, decoded; throws if a chunk's framing is off. */
function chunkedBodies(raw: string): string[] {
  const bodies: string[] = [];
  let at = 0;
  while (at < raw.length) {
    const head = raw.indexOf('\r\n\r\n', at);
    assert.ok(head >= 0, `a response head at ${at}: ${JSON.stringify(raw.slice(at))}`);
    assert.match(raw.slice(at, head), /transfer-encoding: chunked/i);
    at = head + 4;
    let body = '';
    for (;;) {
      const line = raw.indexOf('\r\n', at);
      const size = Number.parseInt(raw.slice(at, line), 16);
      assert.ok(Number.isInteger(size), `a chunk size at ${at}: ${JSON.stringify(raw.slice(at, at + 20))}`);
      body += raw.slice(line + 2, line + 2 + size);
      assert.equal(raw.slice(line + 2 + size, line + 4 + size), '\r\n', `the end of a ${size} B chunk`);
      at = line + 4 + size;
      if (size === 0) break;
    }
    bodies.push(body);
  }
  return bodies;
}

for (const method of ['write', 'end'] as const) {
  test(`res.${method}('x', 'bogus') throws ERR_UNKNOWN_ENCODING and writes nothing: the chunked stream stays whole, pipelined too`, async () => {
    const thrown: string[] = [];
    const server = createServer((req, res) => {
      res.write(`${req.url}:`);
      try {
        (res[method] as (chunk: string, encoding: string) => unknown)('x', 'bogus');
      } catch (error) {
        thrown.push(`${(error as Error).name} ${(error as { code?: string }).code}`);
      }
      res.end('done');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let raw = '';
    client.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
    try {
      await once(client, 'connect');
      // The second waits behind the first: its writes are kept until it gets the socket.
      client.write('GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET /b HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      const ended = await Promise.race([once(client, 'end').then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 3000, false))]);
      assert.ok(ended, `the connection ends after the second response; the client got ${JSON.stringify(raw)}`);
      assert.deepEqual(thrown, ['TypeError ERR_UNKNOWN_ENCODING', 'TypeError ERR_UNKNOWN_ENCODING']);
      assert.deepEqual(chunkedBodies(raw), ['/a:done', '/b:done'], JSON.stringify(raw));
    } finally {
      client.destroy();
      server.close();
    }
  });
}
