// req.setTimeout / res.setTimeout / req.socket.setTimeout with careless
// arguments (a string from an environment variable, undefined, null,
// Infinity): the same errors as node:http's net.Socket (ERR_INVALID_ARG_TYPE
// for what is not a number, ERR_OUT_OF_RANGE for a negative, NaN or
// infinite one). createServer's socket said ERR_OUT_OF_RANGE for every one
// and took Infinity. The same for createServer's timeout and size options,
// which node:http takes as integers >= 0, with headersTimeout at most
// requestTimeout, and maxHeaderSize 0 for the default: createServer said
// ERR_OUT_OF_RANGE for a string, took 1.5, Infinity and a headersTimeout
// past requestTimeout, and refused maxHeaderSize 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { createServer } from '../../src/http/index.js';

const ARGUMENTS: [string, unknown][] = [
  ["'5000'", '5000'],
  ['undefined', undefined],
  ['null', null],
  ['-1', -1],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['1.5', 1.5],
];

/** What each call did on a request of `make`'s server: 'ok' or the error's code. */
async function outcomes(make: typeof http.createServer): Promise<string[]> {
  const seen: string[] = [];
  const server = make((req, res) => {
    const calls: [string, (ms: unknown) => unknown][] = [
      ['req.setTimeout', (ms) => req.setTimeout(ms as number)],
      ['res.setTimeout', (ms) => res.setTimeout(ms as number)],
      ['req.socket.setTimeout', (ms) => req.socket.setTimeout(ms as number)],
    ];
    for (const [call, f] of calls) {
      for (const [shown, ms] of ARGUMENTS) {
        try {
          f(ms);
          seen.push(`${call}(${shown}): ok`);
        } catch (error) {
          seen.push(`${call}(${shown}): ${(error as { code?: string }).code}`);
        }
      }
    }
    try {
      req.socket.setTimeout(100, 'not a function' as never);
      seen.push('callback: ok');
    } catch (error) {
      seen.push(`callback: ${(error as { code?: string }).code}`);
    }
    req.setTimeout(0);
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    client.resume();
    client.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    await once(client, 'end');
    return seen;
  } finally {
    client.destroy();
    server.close();
  }
}

test("setTimeout's arguments are checked as node:http's socket checks them", async () => {
  const expected = await outcomes(http.createServer);
  assert.ok(expected.includes("req.setTimeout('5000'): ERR_INVALID_ARG_TYPE"), expected.join('\n'));
  assert.deepEqual(await outcomes(createServer as unknown as typeof http.createServer), expected);
});

test("createServer's timeout and size options are checked as node:http checks them", () => {
  const options: object[] = [
    { requestTimeout: '5000' },
    { requestTimeout: -1 },
    { requestTimeout: 1.5 },
    { requestTimeout: Number.POSITIVE_INFINITY },
    { headersTimeout: 5000, requestTimeout: 1000 },
    { headersTimeout: 5000, requestTimeout: 0 },
    { headersTimeout: '1' },
    { keepAliveTimeout: '5' },
    { keepAliveTimeout: Number.NaN },
    { connectionsCheckingInterval: 0 },
    { connectionsCheckingInterval: 2.5 },
    { maxHeaderSize: '100' },
    { maxHeaderSize: -1 },
    { maxHeaderSize: 0 },
  ];
  const outcome = (make: () => unknown): string => {
    try {
      make();
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };
  for (const option of options) {
    const expected = outcome(() => http.createServer(option));
    assert.equal(
      outcome(() => createServer(option)),
      expected,
      `${JSON.stringify(option)}: node:http says ${expected}`,
    );
  }
});
