// Output.head: a batch that starts with the cached head its buffer already
// starts with keeps those bytes instead of copying them again. Any other
// first write after clear() must make the next head a full copy again.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Output } from '../../src/http/output.js';

const HEAD = Buffer.from('HTTP/1.1 200 OK\r\nDate: Sun, 29 Nov 2026 18:00:00 GMT\r\nContent-Length: 13\r\n\r\n', 'latin1');

function batch(out: Output, write: (out: Output) => void): string {
  out.clear();
  write(out);
  return out.view().toString('latin1');
}

test('the same head at the start of consecutive batches: the bytes are those of the head, then the body', () => {
  const out = new Output(256);
  for (let i = 0; i < 3; i++) {
    assert.equal(
      batch(out, (o) => {
        o.head(HEAD);
        o.latin1(`body ${i}`);
      }),
      `${HEAD.toString('latin1')}body ${i}`,
    );
  }
});

test('the kept bytes are reused, not copied again (a head never changes; changed here only to see which bytes go out)', () => {
  const out = new Output(256);
  const head = Buffer.from('HEAD-A\r\n\r\n');
  batch(out, (o) => o.head(head));
  head.write('CHANGED', 0, 'latin1');
  assert.equal(
    batch(out, (o) => o.head(head)),
    'HEAD-A\r\n\r\n',
  );
});

test('any other first write after clear() makes the next head a full copy', () => {
  const writes: [string, (o: Output) => void][] = [
    ['latin1', (o) => o.latin1('xyz')],
    ['utf8', (o) => o.utf8('ü', 2)],
    ['decimal', (o) => o.decimal(42)],
    ['bytes', (o) => o.bytes(Buffer.from('abc'))],
    ['another head', (o) => o.head(Buffer.from('OTHER'))],
  ];
  for (const [name, write] of writes) {
    const out = new Output(256);
    batch(out, (o) => o.head(HEAD));
    batch(out, write);
    assert.equal(
      batch(out, (o) => o.head(HEAD)),
      HEAD.toString('latin1'),
      `after a batch that started with ${name}`,
    );
  }
});

test('a head not at the start is copied; a grown buffer keeps the head it copied', () => {
  const out = new Output(16);
  assert.equal(
    batch(out, (o) => {
      o.latin1('x');
      o.head(HEAD);
    }),
    `x${HEAD.toString('latin1')}`,
  );
  // 16 bytes: the head makes the buffer grow, and a large body makes it grow again.
  const body = 'b'.repeat(300);
  assert.equal(
    batch(out, (o) => {
      o.head(HEAD);
      o.latin1(body);
    }),
    HEAD.toString('latin1') + body,
  );
  assert.equal(
    batch(out, (o) => o.head(HEAD)),
    HEAD.toString('latin1'),
  );
});
