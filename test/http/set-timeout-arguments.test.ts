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
// server.setTimeout(msecs, callback): node:http's checks nothing and keeps
// what it was given (setTimeout(callback) makes `timeout` the function and
// adds no listener); each connection accepted after it then takes it as
// net.Socket's setTimeout() does, and throws there, uncaught, for what that
// refuses. createServer's refused a string, null and NaN at the call (which
// node:http takes: null and NaN as no timeout), took Infinity, and took
// setTimeout(callback) as a listener with the timeout unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { createServer } from '../../src/http/index.js';
import { runtime } from '../../src/sys/runtime.js';
import { nodeChildSkip } from '../../test-support/backend.js';

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

/** server.setTimeout's arguments: what the call did (returned the server or threw), `timeout` after it, the 'timeout' listeners. */
const SERVER_ARGUMENTS: [string, unknown[]][] = [
  ['(callback)', [() => {}]],
  ["('5000', callback)", ['5000', () => {}]],
  ['(-1)', [-1]],
  ['()', []],
  ['(null)', [null]],
  ['(NaN, callback)', [Number.NaN, () => {}]],
  ['(Infinity)', [Number.POSITIVE_INFINITY]],
  ['(1.5)', [1.5]],
  ['({})', [{}]],
  ['(100, null)', [100, null]],
];

function serverCalls(make: typeof http.createServer): string[] {
  return SERVER_ARGUMENTS.map(([shown, args]) => {
    const server = make();
    try {
      const returned = (server.setTimeout as (...a: unknown[]) => unknown)(...args);
      const timeout = server.timeout as unknown;
      const value = typeof timeout === 'function' ? 'the function' : typeof timeout === 'string' ? `'${timeout}'` : String(timeout);
      return `${shown}: ${returned === server ? 'this' : 'other'}, timeout ${value}, listeners ${server.listenerCount('timeout')}`;
    } catch (error) {
      return `${shown}: ${(error as { code?: string }).code}`;
    }
  });
}

const SERVER_CALLS = [
  '(callback): this, timeout the function, listeners 0',
  "('5000', callback): this, timeout '5000', listeners 1",
  '(-1): this, timeout -1, listeners 0',
  '(): this, timeout undefined, listeners 0',
  '(null): this, timeout null, listeners 0',
  '(NaN, callback): this, timeout NaN, listeners 1',
  '(Infinity): this, timeout Infinity, listeners 0',
  '(1.5): this, timeout 1.5, listeners 0',
  '({}): this, timeout [object Object], listeners 0',
  '(100, null): this, timeout 100, listeners 0',
];

test("server.setTimeout checks nothing and keeps what it is given, as node:http's", () => {
  if (runtime === 'node') assert.deepEqual(serverCalls(http.createServer), SERVER_CALLS, 'node:http');
  assert.deepEqual(serverCalls(createServer as unknown as typeof http.createServer), SERVER_CALLS);
});

/** In a child (the error is uncaught): what the first connection after server.setTimeout(value) got, per value. */
function atConnection(module: string): Promise<string> {
  const program = `
    import net from 'node:net';
    import { once } from 'node:events';
    const { createServer } = await import(${JSON.stringify(module)});
    const values = [['() => {}', () => {}], ["'300'", '300'], ['-1', -1], ['Infinity', Infinity], ['{}', {}], ['undefined', undefined], ['null', null], ['NaN', NaN], ['0', 0]];
    const seen = [];
    for (const [shown, value] of values) {
      const server = createServer((req, res) => res.end('ok'));
      server.setTimeout(value);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const client = net.connect(server.address().port, '127.0.0.1');
      client.on('error', () => {});
      client.write('GET / HTTP/1.1\\r\\nhost: x\\r\\n\\r\\n');
      const outcome = await new Promise((resolve) => {
        process.once('uncaughtException', (error) => resolve('uncaught ' + error.code));
        client.on('data', (data) => resolve(String(data).slice(0, 15)));
        setTimeout(() => resolve('nothing'), 2000);
      });
      process.removeAllListeners('uncaughtException');
      seen.push(shown + ': ' + outcome);
      client.destroy();
      server.closeAllConnections();
      server.close();
    }
    console.log(seen.join('\\n'));
    process.exit(0);`;
  return new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', program], (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))),
  );
}

test("each connection takes server.timeout as net.Socket's setTimeout() would: what it refuses is thrown, uncaught", { skip: nodeChildSkip() }, async () => {
  const expected = [
    '() => {}: uncaught ERR_INVALID_ARG_TYPE',
    "'300': uncaught ERR_INVALID_ARG_TYPE",
    '-1: uncaught ERR_OUT_OF_RANGE',
    'Infinity: uncaught ERR_OUT_OF_RANGE',
    '{}: uncaught ERR_INVALID_ARG_TYPE',
    'undefined: HTTP/1.1 200 OK',
    'null: HTTP/1.1 200 OK',
    'NaN: HTTP/1.1 200 OK',
    '0: HTTP/1.1 200 OK',
  ].join('\n');
  if (runtime === 'node') assert.equal(await atConnection('node:http'), expected, 'node:http');
  assert.equal(await atConnection(new URL('../../src/http/index.js', import.meta.url).href), expected);
});
