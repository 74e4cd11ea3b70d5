// Run by Jest (test/package/jest.test.ts), which loads CommonJS through a
// loader of its own, in a vm context per test file, and resolves package.json
// exports with the "require" condition: ringcore's CommonJS entries then run
// in the test's realm, so its errors are the test's `Error`s.
const { Ring, backend, nop } = require('ringcore');
const { readFile } = require('ringcore/fs');
const { TcpListener, TcpStream } = require('ringcore/net');
const { sleep } = require('ringcore/time');

test('a file, an error of the test realm and a timer', async () => {
  await nop();
  expect(await readFile(__filename, 'utf8')).toContain('a loader of its own');
  // On the node backend the error is node:fs's own, made in Node's realm, as node:fs's are under Jest.
  if (backend() === 'io_uring') await expect(readFile(`${__filename}.absent`)).rejects.toThrow(Error);
  await expect(readFile(`${__filename}.absent`)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open', path: `${__filename}.absent` });
  await sleep(1);
});

test('a TCP echo on a ring of its own', async () => {
  const ring = new Ring();
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0, ring });
  const served = (async () => {
    for await (const conn of listener) {
      const buf = Buffer.alloc(64);
      const n = await conn.read(buf);
      await conn.write(buf.subarray(0, n));
      await conn.close();
      return;
    }
  })();
  const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port, ring });
  await client.write(Buffer.from('ping'));
  const buf = Buffer.alloc(64);
  expect(buf.subarray(0, await client.read(buf)).toString()).toBe('ping');
  await client.close();
  await served;
  await listener.close();
  await ring.close();
});
