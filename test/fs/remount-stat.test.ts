// What the stat fast path (src/fs/cached-stat.ts) learns of a mount's
// filesystem is keyed by its mount ID. Before Linux 6.8 an unmount frees the
// ID for the next mount, so the learning is forgotten whenever the mount table
// changes (the addon's mountsGeneration()). Here a child in a mount namespace
// of its own mounts a tmpfs (local: its stats answered on the JS thread),
// unmounts it and mounts a devpts (not on the local list) in its place, which
// on those kernels may take the same ID: its stat must still be a STATX op.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { test } from '../../test-support/backend.js';
import { linuxBefore } from '../../test-support/kernel.js';

const module = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-remount-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const CHILD = `
const fs = await import(${module('../../src/fs/index.js')});
const { defaultRing } = await import(${module('../../src/index.js')});
const { native } = await import(${module('../../src/sys/native.js')});
const { execFileSync } = await import('node:child_process');
const nodeFs = await import('node:fs');
const dir = ${JSON.stringify(dir)};
const ring = defaultRing();
const sqes = () => ring.stats.submitted + ring.uring.sqPending();
/** The mount ID of dir's mount, from /proc/self/mountinfo. */
const mountId = () => nodeFs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').find((l) => l.split(' ')[4] === dir)?.split(' ')[0];
/** SQEs submitted by FileHandle.stat() of dir, the mount's root, and whether its answer is node:fs's. */
const statOfRoot = async () => {
  const handle = await fs.open(dir);
  await handle.stat(); // learns the mount's filesystem
  const before = sqes();
  const stats = await handle.stat();
  const taken = sqes() - before;
  await handle.close();
  const theirs = nodeFs.statSync(dir);
  return { sqes: taken, same: stats.ino === theirs.ino && stats.dev === theirs.dev && stats.mode === theirs.mode };
};
const generations = [native.mountsGeneration(), native.mountsGeneration()];
execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
generations.push(native.mountsGeneration());
const tmpfsId = mountId();
const tmpfs = await statOfRoot();
execFileSync('umount', [dir]);
execFileSync('mount', ['-t', 'devpts', '-o', 'newinstance', 'devpts', dir]);
const devptsId = mountId();
const devpts = await statOfRoot();
generations.push(native.mountsGeneration());
execFileSync('umount', [dir]);
console.log(JSON.stringify({ generations, tmpfsId, devptsId, tmpfs, devpts }));
`;

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root: no mounts';
  if (process.versions.bun !== undefined || process.versions.deno !== undefined) return "the child is started with Node's flags";
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']);
  if (probe.error) return `unshare is not available: ${probe.error.message}`;
  if (probe.status !== 0) return `no mount namespace for a child here: ${probe.stderr.toString().trim()}`;
  return undefined;
}

test('a mount that takes an unmounted one’s place is asked again: devpts after tmpfs is a STATX op', (t) => {
  const reason = whyNot();
  if (reason !== undefined) return void t.skip(reason);
  const child = spawnSync('unshare', ['--mount', '--propagation', 'private', process.execPath, '--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as {
    generations: number[];
    tmpfsId: string;
    devptsId: string;
    tmpfs: { sqes: number; same: boolean };
    devpts: { sqes: number; same: boolean };
  };
  const [first, again, mounted, remounted] = out.generations as [number, number, number, number];
  assert.ok(first >= 0, 'the mount table is watched');
  assert.equal(again, first, 'no change, the same generation');
  assert.ok(mounted > again, 'a mount is a change');
  assert.ok(remounted > mounted, 'an unmount and a mount are changes');
  t.diagnostic(`mount IDs: tmpfs ${out.tmpfsId}, devpts ${out.devptsId}${out.tmpfsId === out.devptsId ? ' (reused)' : ''}`);
  assert.ok(out.tmpfs.same && out.devpts.same, "node:fs's answers");
  if (linuxBefore(5, 8)) t.diagnostic('no mount IDs before Linux 5.8: no fast path to check');
  else assert.equal(out.tmpfs.sqes, 0, 'a stat on tmpfs answered on the JS thread');
  assert.equal(out.devpts.sqes, 1, 'a stat on devpts is a STATX op');
});
