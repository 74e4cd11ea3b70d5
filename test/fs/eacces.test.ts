// EACCES needs a user the permission bits apply to (root bypasses them): the
// calls run in a child process as nobody (setpriv --reuid=65534), which prints
// each error as JSON. Skipped, with the reason, where that cannot run.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fsModule = fileURLToPath(new URL('../../src/fs/index.js', import.meta.url));
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-eacces-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));
nodeFs.chmodSync(dir, 0o755);
const secret = join(dir, 'secret');
nodeFs.writeFileSync(secret, 'root only', { mode: 0o600 });

const CHILD = `
const fs = await import(${JSON.stringify(fsModule)});
const out = {};
const record = async (name, work) => {
  try { await work(); out[name] = 'ok'; } catch (e) { out[name] = { code: e.code, syscall: e.syscall, path: e.path, dest: e.dest, message: e.message }; }
};
await record('open', () => fs.open(${JSON.stringify(secret)}));
await record('readFile', () => fs.readFile(${JSON.stringify(secret)}));
await record('writeFile', () => fs.writeFile(${JSON.stringify(join(dir, 'new'))}, 'x'));
await record('mkdir', () => fs.mkdir(${JSON.stringify(join(dir, 'sub'))}));
await record('unlink', () => fs.unlink(${JSON.stringify(secret)}));
await record('copyFile', () => fs.copyFile(${JSON.stringify(secret)}, '/tmp/never-written'));
console.log(JSON.stringify(out));
`;

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root, so cannot switch to another user';
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
  if (probe.error) return `setpriv is not available: ${probe.error.message}`;
  if (probe.status !== 0) return `setpriv failed: ${probe.stderr.toString().trim()}`;
  // The child loads ringcore from this checkout: nobody must be able to read it.
  const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', fsModule]);
  if (readable.status !== 0) return `user nobody cannot read ${fsModule} (the checkout is under a directory closed to other users)`;
  return undefined;
}

test('EACCES with code, syscall and path, as a non-root user', (t) => {
  const reason = whyNot();
  if (reason !== undefined) return void t.skip(reason);
  const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', CHILD], {
    encoding: 'utf8',
  });
  if (child.status !== 0 && /io_uring/.test(child.stderr))
    return void t.skip(`io_uring is not available to an unprivileged user here: ${child.stderr.trim().split('\n')[0]}`);
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as Record<string, { code: string; syscall: string; path: string; dest?: string; message: string }>;
  assert.deepEqual(out.open, { code: 'EACCES', syscall: 'open', path: secret, message: `EACCES: permission denied, open '${secret}'` });
  assert.equal(out.readFile!.code, 'EACCES');
  assert.equal(out.readFile!.path, secret);
  assert.deepEqual([out.writeFile!.code, out.writeFile!.syscall, out.writeFile!.path], ['EACCES', 'open', join(dir, 'new')]);
  assert.deepEqual([out.mkdir!.code, out.mkdir!.syscall, out.mkdir!.path], ['EACCES', 'mkdir', join(dir, 'sub')]);
  assert.deepEqual([out.unlink!.code, out.unlink!.syscall, out.unlink!.path], ['EACCES', 'unlink', secret]);
  assert.deepEqual([out.copyFile!.code, out.copyFile!.syscall, out.copyFile!.path, out.copyFile!.dest], ['EACCES', 'copyfile', secret, '/tmp/never-written']);
});
