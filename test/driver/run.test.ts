// run(main): the standalone executor, with the ring as the event loop
// (blocking in io_uring_enter). It resolves with main's result once main has
// settled and nothing is in flight, propagates main's rejection, hands the
// ring back to the event-loop driver afterwards, and does not nest.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring, RingcoreError, addTraceListener, defaultRing, nop, run } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';

test('run(async () => { await sleep(1000); await nop(); return 42 }) resolves 42', { timeout: 10_000 }, async () => {
  const ring = defaultRing();
  let blockingEnters = 0;
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'enter' && event.minComplete > 0) blockingEnters++;
  });
  try {
    const result = await run(async () => {
      // Long enough that the step surely blocks before the timer fires, even on a loaded machine: the step after
      // the submit is one setImmediate later, and at load 15 on 2 vCPUs that gap once passed 100 ms.
      await sleep(1000);
      await nop();
      return 42;
    });
    assert.equal(result, 42);
    assert.ok(blockingEnters >= 1, 'the executor waited in io_uring_enter(min_complete >= 1)');
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
  }
});

test('run() takes a plain function too, and an explicit ring', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  try {
    assert.equal(await run(() => 'sync', { ring }), 'sync');
    assert.equal(await ring.run(async () => (await Promise.all([ring.nop(), sleep(2, { ring })])).length), 2);
  } finally {
    await ring.close();
  }
});

test('run() propagates a rejection, after the ops main started have completed', { timeout: 5_000 }, async () => {
  let finished = false;
  await assert.rejects(
    run(async () => {
      void sleep(20).then(() => (finished = true));
      await nop();
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(finished, true, 'run() settled only once nothing was in flight');
  assert.equal(defaultRing().inFlight, 0);
});

test('after run(), the event-loop driver works again', { timeout: 5_000 }, async () => {
  await run(() => nop());
  // A sleep does not complete inline: it needs the ring fd watched in Node's loop.
  assert.equal(await sleep(10), undefined);
  const timer = new Promise((resolve) => setTimeout(resolve, 5, 'timer'));
  const stop = new AbortController();
  const long = sleep(5_000, { signal: stop.signal }).then(() => 'sleep');
  assert.equal(await Promise.race([timer, long]), 'timer', 'Node timers run beside the ring again');
  stop.abort();
  await assert.rejects(long, { name: 'AbortError' });
});

test('main waiting on something outside the ring (a Node timer) is not stuck', { timeout: 5_000 }, async () => {
  const result = await run(async () => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    await nop();
    return 'woke';
  });
  assert.equal(result, 'woke');
});

test('run() while run() is already running on the same ring rejects', { timeout: 5_000 }, async () => {
  const inner = await run(async () => {
    await sleep(1);
    return run(() => 1).then(
      () => assert.fail('nested run() resolved'),
      (error: unknown) => error,
    );
  });
  assert.ok(inner instanceof RingcoreError);
  assert.equal(inner.code, 'ERR_RINGCORE_UNSUPPORTED');
  assert.throws(() => run('x' as unknown as () => void), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  // Another ring may run meanwhile: the nesting rule is per ring.
  const other = new Ring({ entries: 2 });
  try {
    assert.equal(
      await run(async () =>
        other.run(async () => {
          await other.nop();
          return 'other';
        }),
      ),
      'other',
    );
  } finally {
    await other.close();
  }
});

test('closing the ring while run() is running on it: the ops reject, and run() still settles', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  // main waits for the close.
  const code = await ring.run(async () => {
    const sleeping = sleep(10_000, { ring }).catch((error: NodeJS.ErrnoException) => error.code);
    await ring.nop();
    const closing = ring.close();
    const result = await sleeping;
    await closing;
    return result;
  });
  assert.equal(code, 'ERR_RINGCORE_CLOSED');
  assert.equal(ring.uring.fd, -1);

  // main returns before the close completes.
  const other = new Ring({ entries: 4 });
  let sleeping: Promise<unknown> | undefined;
  const value = await other.run(() => {
    sleeping = sleep(10_000, { ring: other }).catch((error: NodeJS.ErrnoException) => error.code);
    void other.close();
    return 'returned';
  });
  assert.equal(value, 'returned');
  assert.equal(await sleeping, 'ERR_RINGCORE_CLOSED');
  await other.close();
  assert.equal(other.uring.fd, -1);
});

test('run() refuses to block while another ring of the thread has ops in flight, and hands both rings to the event loop', { timeout: 10_000 }, async () => {
  const other = new Ring({ entries: 4 });
  try {
    let otherSleep: Promise<void> | undefined;
    // Long sleeps on both rings: the refusal must not depend on how soon the executor's first step runs.
    const refused = await run(async () => {
      otherSleep = sleep(1500, { ring: other });
      await sleep(500);
      return 'ran';
    }).then(
      () => assert.fail('run() resolved: it blocked on the default ring while the other ring had a sleep in flight'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof RingcoreError);
    assert.equal(refused.code, 'ERR_RINGCORE_UNSUPPORTED');
    assert.match(refused.message, new RegExp(`ring ${other.uring.id} of this thread has ops in flight`));
    // Both rings go on under the event-loop driver: the other ring's sleep fires, and so do new ops on either.
    assert.equal(await otherSleep, undefined);
    assert.equal(await sleep(5, { ring: other }), undefined);
    assert.equal(await sleep(5), undefined);
    assert.equal(await run(() => nop()), undefined, 'run() works again once no other ring is busy');
  } finally {
    await other.close();
  }
});

test('ringcore/net inside run(): rejects with a clear error instead of leaving the socket ring undriven', { timeout: 10_000 }, async () => {
  const { TcpListener } = await import('../../src/net/index.js');
  const { connect } = await import('node:net');
  let listener: Awaited<ReturnType<typeof TcpListener.bind>> | undefined;
  await assert.rejects(
    run(async () => {
      listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
      void (async () => {
        for await (const socket of listener!) {
          await socket.write(Buffer.from('hello'));
          socket.close();
        }
      })().catch(() => {});
      await sleep(100);
    }),
    { name: 'RingcoreError', code: 'ERR_RINGCORE_UNSUPPORTED', message: /netRing\(\)/ },
  );
  // The listener is served by the event-loop driver from then on.
  const received = await new Promise<string>((resolve, reject) => {
    const client = connect(listener!.address().port, '127.0.0.1');
    let data = '';
    client.on('data', (chunk) => (data += chunk));
    client.on('end', () => resolve(data));
    client.on('error', reject);
  });
  assert.equal(received, 'hello');
  await listener!.close();
});
