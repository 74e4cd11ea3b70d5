// A failed op's error points at the code that awaited it, as Node's
// fs/promises errors do: `at async <caller>` in err.stack, not only the
// completion path inside ringcore (Op.settle, Submitter.dispatch, reap).

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';
import { open } from '../../src/fs/index.js';

const badRead = { syscall: 'read', prep: (u: Ring['uring'], sqe: number) => u.prepRead(sqe, 987654, 0, 0, -1) };

test('await open() of a missing file: the awaiting function is in err.stack', async () => {
  async function loadSettingsFromDisk() {
    return await open('/nonexistent/ringcore/settings.json');
  }
  const error = await loadSettingsFromDisk().then(
    () => assert.fail('open must fail'),
    (e: Error & { code?: string }) => e,
  );
  assert.equal(error.code, 'ENOENT');
  assert.match(error.stack!, /^Error: ENOENT: no such file or directory, open '\/nonexistent\/ringcore\/settings\.json'\n/);
  assert.match(error.stack!, /at async loadSettingsFromDisk /);
  assert.match(error.stack!, /at async open /, 'and the API it went through');
});

test('an op awaited directly, and one awaited through Promise.all, name their callers', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    async function readFromBadFd() {
      await ring.submit(badRead);
    }
    const direct = await readFromBadFd().catch((e: Error) => e);
    assert.equal((direct as Error & { code?: string }).code, 'EBADF');
    assert.match((direct as Error).stack!, /at async readFromBadFd /);

    async function readTwoAtOnce() {
      await Promise.all([ring.nop(), ring.submit(badRead)]);
    }
    const all = await readTwoAtOnce().catch((e: Error) => e);
    assert.match((all as Error).stack!, /at async Promise\.all \(index 1\)/);
    assert.match((all as Error).stack!, /at async readTwoAtOnce /);
  } finally {
    await ring.close();
  }
});

test('an aborted op keeps its AbortError, cause and all, with the caller in its stack', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const controller = new AbortController();
    const reason = new Error('gave up');
    async function waitForever() {
      // A timeout of an hour, aborted.
      await ring.submit(
        { syscall: 'timeout', prep: (u, sqe, slot) => u.prepTimeout(sqe, ring.submitter.timespec(slot, 3_600_000), 0, 0) },
        { signal: controller.signal },
      );
    }
    const waiting = waitForever().catch((e: Error) => e);
    setImmediate(() => controller.abort(reason));
    const error = (await waiting) as Error & { code?: string };
    assert.equal(error.name, 'AbortError');
    assert.equal(error.cause, reason);
    assert.match(error.stack!, /at async waitForever /);
  } finally {
    await ring.close();
  }
});
