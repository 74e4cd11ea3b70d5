// The concurrent_downloads example: 100 GETs, all connects in one submit,
// every body complete (the example checks each against its Content-Length).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('concurrent_downloads: 100 bodies complete, the 100 CONNECTs submitted in one io_uring_enter', { skip: ioUring.skip }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(root, 'dist', 'examples', 'run.js'), 'concurrent_downloads', '--size', '50000'],
      { timeout: 20_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  assert.match(stdout, /^100 concurrent GETs of 127\.0\.0\.1:\d+\/: 5000000 body bytes in /m);
  assert.match(stdout, /^CONNECT SQEs in one io_uring_enter: 100 of 100$/m);
  const peak = Number(/peak ops in flight on the ring: (\d+)/.exec(stdout)?.[1]);
  assert.ok(peak >= 100, `peak ${peak}`);
});
