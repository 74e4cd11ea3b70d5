// A handler that fills one Buffer, writes it, and fills it again once the
// write has called back (the usual way to stream with one buffer: a
// net.Socket calls back once the bytes are in the kernel, so the buffer is
// free again). createServer runs a small batch's write callbacks as soon as
// the batch is handed to its SEND, before the SEND is made, so that a
// finishing response hands the socket to the next pipelined one within the
// same SEND; the bytes it sent were the handler's Buffer itself, changed by
// then: ten writes of 'A' to 'J' came out as ten of 'J'. Now what a batch
// holds of callers' Buffers is copied before its callbacks run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';

import { createServer } from '../../src/http/index.js';
import { exchange } from '../../test-support/http.js';

const WRITES = 10;

/** The body a client gets from a handler that reuses one `size`-byte Buffer for each write, after its callback. */
async function body(make: typeof http.createServer, size: number, chunked: boolean): Promise<string> {
  const server = make((_req, res) => {
    const buffer = Buffer.alloc(size);
    let i = 0;
    const next = (error?: Error | null): void => {
      if (error) return;
      if (i === WRITES) {
        res.end();
        return;
      }
      buffer.fill(0x41 + i++);
      res.write(chunked ? new Uint8Array(buffer.buffer, buffer.byteOffset, size) : buffer, next);
    };
    if (!chunked) res.setHeader('content-length', size * WRITES);
    next();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { data } = await exchange((server.address() as net.AddressInfo).port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    const payload = data.slice(data.indexOf('\r\n\r\n') + 4);
    // The letters in order, framing (chunk sizes, CRLFs) left out.
    return payload.replace(/[^A-Z]/g, '').replace(/(.)\1*/g, '$1');
  } finally {
    server.close();
  }
}

for (const chunked of [false, true]) {
  test(`a Buffer refilled after its write's callback: the client gets each fill (${chunked ? 'chunked, Uint8Array' : 'Content-Length'})`, async () => {
    for (const [name, make] of [
      ['node:http', http.createServer],
      ['createServer', createServer as unknown as typeof http.createServer],
    ] as const) {
      for (const size of [100, 5000]) assert.equal(await body(make, size, chunked), 'ABCDEFGHIJ', `${name}, ${size} B writes`);
    }
  });
}
