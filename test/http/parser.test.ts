// The HTTP/1.1 request parser on its own: no sockets. Every input is also fed
// split at every byte boundary (and one byte at a time), and must parse the
// same way: a parser that only works when a request arrives in one piece
// fails on the network.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { RequestParser, type ParsedRequest } from '../../src/http/parser.js';
import { DEFAULT_LIMITS, HttpError, type Limits } from '../../src/http/limits.js';

type Outcome = { requests: ParsedRequest[]; error: HttpError | null };

/** Bytes around a piece pushed in place (pushIn): line ends, so that a search that strays past the piece finds them. */
const AROUND = 48;

function feed(pieces: Buffer[], limits: Limits = DEFAULT_LIMITS, inPlace = false): Outcome {
  const parser = new RequestParser(limits);
  const requests: ParsedRequest[] = [];
  try {
    for (const piece of pieces) {
      // A copy, scribbled over once the parser is done with it: the network's buffers are reused too.
      // In place: the piece inside a larger memory, as a server's receive buffers hold it.
      const chunk = inPlace ? Buffer.alloc(piece.length + 2 * AROUND, '\r\n') : Buffer.from(piece);
      if (inPlace) {
        piece.copy(chunk, AROUND);
        parser.pushIn(chunk, AROUND, AROUND + piece.length);
      } else {
        parser.push(chunk);
      }
      for (let r = parser.next(); r !== null; r = parser.next()) requests.push(r);
      chunk.fill(0xee);
    }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { requests, error };
  }
  return { requests, error: null };
}

/** Parses `text` whole, split in two at every offset, and byte by byte; all must agree. */
function parseAll(text: string | Buffer, limits?: Limits): Outcome {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  const whole = feed([bytes], limits);
  const summary = (o: Outcome) =>
    JSON.stringify({ requests: o.requests.map((r) => ({ ...r, body: r.body?.toString('latin1') ?? null })), status: o.error?.status ?? null });
  const expected = summary(whole);
  for (let i = 1; i < bytes.length; i++) {
    assert.equal(summary(feed([bytes.subarray(0, i), bytes.subarray(i)], limits)), expected, `split at byte ${i}`);
  }
  const single = [...bytes].map((b) => Buffer.from([b]));
  assert.equal(summary(feed(single, limits)), expected, 'one byte at a time');
  // Pushed in place (pushIn), between bytes that are not the request's: whole, and split in two.
  assert.equal(summary(feed([bytes], limits, true)), expected, 'in place');
  for (let i = 1; i < bytes.length; i++) {
    assert.equal(summary(feed([bytes.subarray(0, i), bytes.subarray(i)], limits, true)), expected, `in place, split at byte ${i}`);
  }
  return whole;
}

function one(text: string, limits?: Limits): ParsedRequest {
  const { requests, error } = parseAll(text, limits);
  assert.equal(error, null, `unexpected ${error?.status}: ${error?.message}`);
  assert.equal(requests.length, 1);
  return requests[0]!;
}

function refused(text: string | Buffer, status: number, limits?: Limits): void {
  const { error } = parseAll(text, limits);
  assert.ok(error !== null, `expected ${status}, but it parsed`);
  assert.equal(error.status, status, error.message);
}

test('a simple GET: method, target, version, lowercased headers, keep-alive', () => {
  const r = one('GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nX-Thing:  spaced value \t\r\nAccept: */*\r\n\r\n');
  assert.equal(r.method, 'GET');
  assert.equal(r.target, '/a/b?c=d');
  assert.equal(r.minor, 1);
  assert.deepEqual(r.headers, ['host', 'example.com', 'x-thing', 'spaced value', 'accept', '*/*']);
  assert.equal(r.keepAlive, true);
  assert.equal(r.body, null);
});

test('HTTP/1.0 closes unless it asks for keep-alive; Connection: close closes 1.1', () => {
  assert.equal(one('GET / HTTP/1.0\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive, true);
  assert.equal(one('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade, Close\r\n\r\n').keepAlive, false);
});

test('pipelined requests come out in order, bodies framed by Content-Length and chunked', () => {
  const text =
    'POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
    'GET /2 HTTP/1.1\r\nHost: x\r\n\r\n' +
    'POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: yes\r\n\r\n' +
    'HEAD /4 HTTP/1.1\r\nHost: x\r\n\r\n';
  const { requests, error } = parseAll(text);
  assert.equal(error, null);
  assert.deepEqual(
    requests.map((r) => [r.method, r.target, r.body?.toString('latin1') ?? null]),
    [
      ['POST', '/1', 'hello'],
      ['GET', '/2', null],
      ['POST', '/3', 'Wikipedia in\r\n\r\nchunks.'],
      ['HEAD', '/4', null],
    ],
  );
});

test('empty lines before a request line are ignored', () => {
  const { requests, error } = parseAll('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(error, null);
  assert.deepEqual(
    requests.map((r) => r.target),
    ['/', '/b'],
  );
});

test('Content-Length: 0 and a chunked body of only the last chunk give empty bodies', () => {
  assert.equal(one('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n').body, null);
  assert.equal(one('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n').body?.length, 0);
});

test('Expect: 100-continue is reported while the body is awaited', () => {
  const parser = new RequestParser(DEFAULT_LIMITS);
  parser.push(Buffer.from('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'));
  assert.equal(parser.next(), null);
  assert.equal(parser.awaitingBody?.expectContinue, true);
  parser.push(Buffer.from('abc'));
  assert.equal(parser.next()?.body?.toString(), 'abc');
  assert.equal(parser.awaitingBody, null);
  assert.equal(parser.idle, true);
  // Never to an HTTP/1.0 client (RFC 9110 10.1.1).
  const old = new RequestParser(DEFAULT_LIMITS);
  old.push(Buffer.from('PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'));
  assert.equal(old.next(), null);
  assert.equal(old.awaitingBody?.expectContinue, false);
});

test('idle and inHead say where a connection is between and inside requests', () => {
  const parser = new RequestParser(DEFAULT_LIMITS);
  assert.equal(parser.idle, true);
  parser.push(Buffer.from('GET / HT'));
  assert.equal(parser.next(), null);
  assert.equal(parser.inHead, true);
  assert.equal(parser.idle, false);
  parser.push(Buffer.from('TP/1.1\r\nHost: x\r\n\r\n'));
  assert.equal(parser.next()?.target, '/');
  assert.equal(parser.idle, true);
});

test('malformed request lines are 400, unknown versions 505', () => {
  refused('GET\r\n\r\n', 400);
  refused('GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 400); // two spaces
  refused('GET / HTTP/1.1 \r\nHost: x\r\n\r\n', 400);
  refused('G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  refused('GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  refused('GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  refused('GET / HTTP/1.x\r\nHost: x\r\n\r\n', 400);
  refused('GET / FTP/1.1\r\nHost: x\r\n\r\n', 400);
  refused('GET / HTTP/1.1\rHost: x\r\n\r\n', 400); // a CR that is not a line end
  refused('GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505);
  refused('GET / HTTP/1.2\r\nHost: x\r\n\r\n', 505);
});

test('bare LF, obs-fold, space before the colon and control characters are 400', () => {
  refused('GET / HTTP/1.1\nHost: x\n\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tcontinued\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', 400);
});

test('HTTP/1.1 needs exactly one Host', () => {
  refused('GET / HTTP/1.1\r\n\r\n', 400);
  refused('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400);
  assert.equal(one('GET / HTTP/1.0\r\n\r\n').method, 'GET');
});

test('request smuggling: every ambiguous framing is refused', () => {
  // CL.TE and TE.CL
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n', 400);
  // conflicting or malformed Content-Length
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\nabcd', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x4\r\n\r\nabcd', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4 4\r\n\r\nabcd', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n', 400);
  // Transfer-Encoding variants that another parser might read differently
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.1\r\nHost: x\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400);
  refused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400);
  // a coding we do not implement, properly framed by chunked: not implemented
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501);
  // identical duplicate Content-Length is one length (RFC 9110 8.6)
  assert.equal(one('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc').body?.toString(), 'abc');
  // case and surrounding spaces of "chunked" do not matter
  assert.equal(one('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  ChUnKeD \r\n\r\n1\r\nz\r\n0\r\n\r\n').body?.toString(), 'z');
});

test('bad chunk framing is 400', () => {
  const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  refused(`${head}z\r\nabc\r\n0\r\n\r\n`, 400); // not hex
  refused(`${head}\r\n0\r\n\r\n`, 400); // empty size
  refused(`${head}-1\r\nabc\r\n0\r\n\r\n`, 400);
  refused(`${head}0x3\r\nabc\r\n0\r\n\r\n`, 400);
  refused(`${head}3 \r\nabc\r\n0\r\n\r\n`, 400); // space after the size
  refused(`${head}3\r\nabcd\r\n0\r\n\r\n`, 400); // more data than the size
  refused(`${head}3\nabc\r\n0\r\n\r\n`, 400); // bare LF
  refused(`${head}3\r\nabc\n0\r\n\r\n`, 400);
  refused(`${head}3;a=\x00\r\nabc\r\n0\r\n\r\n`, 400); // control in an extension
  refused(`${head}3\r\nabc\r\n0\r\nBad Trailer\r\n\r\n`, 400);
  // framing fields in the trailers (RFC 9110 6.5.1): a length that whoever merges trailers into the head would trust
  refused(`${head}3\r\nabc\r\n0\r\nContent-Length: 10\r\n\r\n`, 400);
  refused(`${head}3\r\nabc\r\n0\r\nX-T: 1\r\ntransfer-ENCODING: chunked\r\n\r\n`, 400);
  refused(`${head}${'0'.repeat(2000)}1\r\na\r\n0\r\n\r\n`, 400); // endless leading zeros
  assert.equal(one(`${head}${'0'.repeat(10)}3\r\nabc\r\n0\r\n\r\n`).body?.toString(), 'abc');
});

test('limits: head size and header count are 431, body size 413 (checked before the body arrives)', () => {
  const limits: Limits = { maxHeaderBytes: 200, maxHeaderCount: 5, maxBodyBytes: 10 };
  refused(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(300)}\r\n\r\n`, 431, limits);
  // Without the end of the head, too: a client may not make the server buffer forever.
  const parser = new RequestParser(limits);
  parser.push(Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(250)}`));
  assert.throws(
    () => parser.next(),
    (e: HttpError) => e.status === 431,
  );
  let many = 'GET / HTTP/1.1\r\nHost: x\r\n';
  for (let i = 0; i < 5; i++) many += `X-${i}: 1\r\n`;
  refused(`${many}\r\n`, 431, limits);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n', 413, limits);
  refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n', 413, limits);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n0\r\n\r\n', 413, limits);
  refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n', 413, limits);
  assert.equal(one('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789', limits).body?.toString(), '0123456789');
});

test('obs-text in header values is kept as latin1; a body may hold any bytes', () => {
  const body = Buffer.from([0, 13, 10, 255, 128, 13, 10, 13, 10]);
  const request = Buffer.concat([Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nX-L: caf\xe9\r\nContent-Length: 9\r\n\r\n', 'latin1'), body]);
  const { requests, error } = parseAll(request);
  assert.equal(error, null);
  assert.equal(requests[0]!.headers[3], 'caf\xe9');
  assert.deepEqual(requests[0]!.body, body);
});

test('a long stream of pipelined requests keeps the buffer bounded', () => {
  const parser = new RequestParser(DEFAULT_LIMITS);
  const request = Buffer.from('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
  let count = 0;
  for (let i = 0; i < 10_000; i++) {
    // Chunks that cut requests in odd places.
    parser.push(request.subarray(0, 7));
    for (let r = parser.next(); r !== null; r = parser.next()) count++;
    parser.push(request.subarray(7));
    for (let r = parser.next(); r !== null; r = parser.next()) count++;
  }
  assert.equal(count, 10_000);
  assert.ok((parser as unknown as { own: Buffer }).own.length <= 8192);
});

test('a keep-alive head that repeats reuses its strings, and one that differs in any byte gets its own', () => {
  const long = 'x'.repeat(200); // longer than any remembered string
  const heads = [
    `GET /a HTTP/1.1\r\nHost: one\r\nX-Thing: Value\r\nUser-Agent: ${long}\r\n\r\n`,
    `GET /a HTTP/1.1\r\nHost: one\r\nX-Thing: Value\r\nUser-Agent: ${long}\r\n\r\n`,
    `GET /b HTTP/1.1\r\nHOST: owe\r\nX-Thinq: Valuf\r\nUser-Agent: ${long.slice(1)}y\r\n\r\n`,
    'GET /a HTTP/1.1\r\nX-Thing: one\r\nHost: Value\r\n\r\n',
  ];
  const parser = new RequestParser(DEFAULT_LIMITS);
  const seen: ParsedRequest[] = [];
  for (const head of heads) {
    // Each head in a buffer of its own, scribbled over afterwards: nothing may point into it.
    const chunk = Buffer.from(head, 'latin1');
    parser.push(chunk);
    seen.push(parser.next()!);
    chunk.fill(0xee);
  }
  assert.deepEqual(
    seen.map((r) => [r.target, ...r.headers]),
    [
      ['/a', 'host', 'one', 'x-thing', 'Value', 'user-agent', long],
      ['/a', 'host', 'one', 'x-thing', 'Value', 'user-agent', long],
      ['/b', 'host', 'owe', 'x-thinq', 'Valuf', 'user-agent', `${long.slice(1)}y`],
      ['/a', 'x-thing', 'one', 'host', 'Value'],
    ],
  );
});

test('a head that repeats the last one is answered from it (repeated-head.ts): same fields, its own headers array, the same framing', () => {
  const parser = new RequestParser(DEFAULT_LIMITS);
  const take = (text: string): ParsedRequest[] => {
    const chunk = Buffer.from(text, 'latin1');
    parser.push(chunk);
    const out: ParsedRequest[] = [];
    for (let r = parser.next(); r !== null; r = parser.next()) out.push(r);
    chunk.fill(0xee); // the network's buffers are reused
    return out;
  };
  const head = 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n';
  const [first] = take(`${head}abc`);
  first!.headers.push('x-added-by', 'a handler'); // what a handler does to its request must not reach the next one
  const [second, third] = take(`${head}def${head}ghi`);
  for (const [r, body] of [
    [second!, 'def'],
    [third!, 'ghi'],
  ] as const) {
    assert.equal(r.method, 'POST');
    assert.equal(r.target, '/up');
    assert.deepEqual(r.headers, ['host', 'x', 'content-length', '3', 'connection', 'keep-alive']);
    assert.equal(r.keepAlive, true);
    assert.equal(r.body?.toString(), body, 'the body framed by the remembered Content-Length');
  }
  assert.notEqual(second!.headers, third!.headers);
  // One byte different: parsed afresh.
  const [other] = take('POST /uq HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz');
  assert.equal(other!.target, '/uq');
  assert.equal(other!.keepAlive, false);
  assert.equal(other!.body?.toString(), 'xyz');
  // A chunked head with Expect: 100-continue, twice: both wait for their body and ask for a 100.
  const chunked = 'PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n';
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(take(chunked), []);
    assert.equal(parser.awaitingBody?.expectContinue, true, `round ${round}`);
    const [done] = take('2\r\nhi\r\n0\r\n\r\n');
    assert.equal(done!.body?.toString(), 'hi');
  }
});

test('a head is answered from the kept one only when all of it and its blank line are there: bytes that extend it, end it otherwise or precede it parse as a fresh parser parses them', () => {
  const kept = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
  const variants = [
    kept,
    `${kept}${kept}`,
    'GET /a HTTP/1.1\r\nHost: x\r\nX-More: 1\r\n\r\n', // the kept bytes, then another header line
    'GET /a HTTP/1.1\r\nHost: x\r\n\rX\r\n\r\n', // a CR that is not the blank line's
    'GET /a HTTP/1.1\r\nHost: x\r\n\n', // a bare LF where the blank line would be
    '\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n', // an empty line before it
    'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n',
  ];
  const summary = (o: Outcome) => JSON.stringify({ requests: o.requests.map((r) => ({ ...r, body: null })), status: o.error?.status ?? null });
  for (const variant of variants) {
    const expected = summary(feed([Buffer.from(variant, 'latin1')]));
    const bytes = Buffer.from(variant, 'latin1');
    for (let i = 0; i <= bytes.length; i++) {
      const pieces = [Buffer.from(kept, 'latin1'), bytes.subarray(0, i), bytes.subarray(i)].filter((b) => b.length > 0);
      const got = feed(pieces);
      assert.equal(got.requests[0]?.target, '/a', 'the first head parsed, and is kept');
      assert.equal(summary({ requests: got.requests.slice(1), error: got.error }), expected, `${JSON.stringify(variant)} split at ${i}`);
    }
  }
});

test('no head is shared between connections: each parser parses a head another connection sent, and keeps its own (a shared copy would let a client time whether another sent it)', () => {
  const take = (parser: RequestParser, text: string): ParsedRequest => {
    const chunk = Buffer.from(text, 'latin1');
    parser.push(chunk);
    const request = parser.next()!;
    chunk.fill(0xee); // the network's buffers are reused
    return request;
  };
  /** The parser's kept head (repeated-head.ts): private, read here to see that it is its own. */
  const keptOf = (parser: RequestParser): unknown => (parser as unknown as { repeated: unknown }).repeated;
  const limits: Limits = { ...DEFAULT_LIMITS };
  const head = 'GET /same HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n';
  const first = new RequestParser(limits);
  const second = new RequestParser(limits);
  const a = take(first, head);
  a.headers.push('x-added-by', 'a handler'); // what a handler does to its request must not reach another request
  const b = take(second, head);
  assert.deepEqual(b.headers, ['host', 'x', 'a', '1', 'b', '2']);
  assert.ok(keptOf(first) !== null && keptOf(second) !== null, 'each parser kept the head it parsed');
  assert.notEqual(keptOf(first), keptOf(second), 'and not in one shared table');
  // On its own connection the head repeats: answered from the kept copy, with headers of its own.
  const again = take(first, head);
  assert.deepEqual(again.headers, ['host', 'x', 'a', '1', 'b', '2']);
  // Heads that differ in one byte, on two connections in turn: each is its own request.
  const parsers = [new RequestParser(limits), new RequestParser(limits)];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 64; i++) {
      const target = `/p${String(i).padStart(2, '0')}`;
      const r = take(parsers[i & 1]!, `GET ${target} HTTP/1.1\r\nHost: h${i % 10}\r\n\r\n`);
      assert.equal(r.target, target);
      assert.deepEqual(r.headers, ['host', `h${i % 10}`]);
    }
  }
});

test('a parser owns no buffer until bytes must outlive their chunk, and then keeps them whole', () => {
  const parser = new RequestParser(DEFAULT_LIMITS);
  const body = 'b'.repeat(10_000); // larger than the parser's first buffer
  const text = `POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const requests: ParsedRequest[] = [];
  // In pieces of 7 bytes, each scribbled over once pushed (the network's buffers are reused).
  for (let at = 0; at < text.length; at += 7) {
    const chunk = Buffer.from(text.slice(at, at + 7), 'latin1');
    parser.push(chunk);
    for (let r = parser.next(); r !== null; r = parser.next()) requests.push(r);
    chunk.fill(0xee);
  }
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.body?.toString(), body);
  assert.equal(parser.idle, true);
});

test('parsers whose requests arrive whole and repeat their first head own its copy, and no buffer or string table (the per-connection footprint, docs/performance.md)', () => {
  const limits: Limits = { ...DEFAULT_LIMITS };
  const head = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n', 'latin1');
  const parsers: RequestParser[] = [];
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 1000; i++) {
    const parser = new RequestParser(limits);
    for (let round = 0; round < 2; round++) {
      parser.push(Buffer.from(head));
      assert.equal(parser.next()?.target, '/');
      assert.equal(parser.next(), null);
    }
    parsers.push(parser);
  }
  // Each made its own 4 KiB buffer and two string tables (6 KiB in all) before; now a 64-byte copy of the head.
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 1000 * 1024, `array buffers grew by ${grown} bytes for ${parsers.length} parsers`);
});

test('after a refusal, discard() lets go of the chunk pushed where it lies: what is later written into that memory is never parsed', () => {
  const parser = new RequestParser({ ...DEFAULT_LIMITS });
  // A receive buffer lent to the parser, as a server's borrowed chunk.
  const lent = Buffer.from('GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n', 'latin1');
  parser.push(lent);
  assert.throws(
    () => parser.nextHead(),
    (error: unknown) => error instanceof HttpError && error.status === 400,
  );
  parser.discard();
  assert.equal(parser.inHead, false);
  // The buffer goes back and is filled with someone else's request of the same length.
  lent.write('GET /other HTTP/1.1\r\nHost: b\r\n\r\n'.slice(0, lent.length), 'latin1');
  parser.push(Buffer.from('GET /mine HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(parser.nextHead()?.target, '/mine');
  assert.equal(parser.nextHead(), null);
});

test('streaming bodies come out in blocks of up to 64 KiB, byte for byte, whatever the pieces; flushBody hands out a partial block', () => {
  const body = Buffer.alloc(200 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
  const chunkedBody = Buffer.concat([
    Buffer.from('3000\r\n'),
    body.subarray(0, 0x3000),
    Buffer.from(`\r\n${(body.length - 0x3000).toString(16)}\r\n`),
    body.subarray(0x3000),
    Buffer.from('\r\n0\r\n\r\n'),
  ]);
  const wires = [
    Buffer.concat([
      Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
      Buffer.from('GET /next HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]),
    Buffer.concat([
      Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'),
      chunkedBody,
      Buffer.from('GET /next HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]),
  ];
  for (const wire of wires) {
    for (const piece of [1, 4096, 5000, 70_000]) {
      for (const flushEvery of [0, 3]) {
        const parser = new RequestParser(DEFAULT_LIMITS);
        const parts: Buffer[] = [];
        const heads: string[] = [];
        let inBody = false;
        let pushes = 0;
        for (let i = 0; i < wire.length; i += piece) {
          // In place, inside memory that is scribbled over once the parser is done with it.
          const memory = Buffer.alloc(piece + 2 * AROUND, '\r\n');
          const bytes = wire.subarray(i, i + piece);
          bytes.copy(memory, AROUND);
          parser.pushIn(memory, AROUND, AROUND + bytes.length);
          for (;;) {
            if (inBody) {
              if (!parser.takeBody(parts)) break;
              inBody = false;
              continue;
            }
            const head = parser.nextHead();
            if (head === null) break;
            heads.push(head.target);
            inBody = head.body !== null;
          }
          if (inBody && flushEvery > 0 && ++pushes % flushEvery === 0) parser.flushBody(parts);
          memory.fill(0x41);
        }
        assert.deepEqual(heads, ['/', '/next']);
        assert.ok(Buffer.concat(parts).equals(body), `piece ${piece}, flush every ${flushEvery}`);
        assert.ok(parts.every((p) => p.length <= 64 * 1024));
        if (flushEvery === 0) assert.ok(parts.length <= 5, `${parts.length} parts for 200 KiB`);
        assert.equal(parser.bodyPending, 0);
      }
    }
  }
});
