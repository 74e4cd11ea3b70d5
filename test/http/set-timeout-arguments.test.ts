// req.setTimeout / res.setTimeout / req.socket.setTimeout with careless
// arguments (a string from an environment variable, undefined, null,
// Infinity): the same errors as node:http's net.Socket (ERR_INVALID_ARG_TYPE
// for what is not a number, ERR_OUT_OF_RANGE for a negative, NaN or
// infinite one). createServer's socket said ERR_OUT_OF_RANGE for every one
// and took Infinity.
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
