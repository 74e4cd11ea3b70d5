// The file examples against coreutils: the same input gives byte-identical
// output (cmp), written to a file, through a pipe, and to /dev/null.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

import { logLine } from '../../examples/logger.js';

const runJs = fileURLToPath(new URL('../../examples/run.js', import.meta.url));
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-examples-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const SIZES = [0, 1, 4095, 4096, 4097, 1024 * 1024 + 7, 5_000_003];
const inputs = SIZES.map((size) => {
  const path = join(dir, `in-${size}`);
  nodeFs.writeFileSync(path, randomBytes(size));
  return path;
});

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const example = (args: string) => `${q(process.execPath)} ${q(runJs)} ${args}`;

/** Runs a shell command; fails the test with its stderr if it fails. */
function sh(command: string): string {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], { encoding: 'utf8', maxBuffer: 1 << 20 });
  assert.equal(r.status, 0, `${command}\n${r.stderr}`);
  return r.stdout;
}

function cmp(a: string, b: string): void {
  const r = spawnSync('cmp', [a, b], { encoding: 'utf8' });
  assert.equal(r.status, 0, `cmp ${a} ${b}: ${r.stdout}${r.stderr}`);
}

/** Runs `ours` and `theirs` (shell commands writing to stdout) to a file, a pipe and /dev/null; compares. */
function sameOutput(ours: string, theirs: string, name: string): void {
  const expected = join(dir, `${name}.expected`);
  sh(`${theirs} > ${q(expected)}`);
  const toFile = join(dir, `${name}.file`);
  sh(`${ours} > ${q(toFile)}`);
  cmp(toFile, expected);
  const toPipe = join(dir, `${name}.pipe`);
  sh(`${ours} | cat > ${q(toPipe)}`);
  cmp(toPipe, expected);
  sh(`${ours} > /dev/null`);
}

test('cat: one file of each size, and all of them at once', () => {
  for (const input of inputs) sameOutput(example(`cat ${q(input)}`), `cat ${q(input)}`, `cat-${input.split('-').pop()}`);
  const all = inputs.map(q).join(' ');
  sameOutput(example(`cat ${all}`), `cat ${all}`, 'cat-all');
  sameOutput(`cat ${q(inputs[6]!)} | ${example('cat -')}`, `cat ${q(inputs[6]!)}`, 'cat-stdin');
});

test('linked_cat: every size, nothing lost or duplicated', () => {
  for (const input of inputs) sameOutput(example(`linked_cat ${q(input)} 2>/dev/null`), `cat ${q(input)}`, `linked-${input.split('-').pop()}`);
});

test('tee: stdin to stdout and to each file at the right offsets; -a appends', () => {
  for (const input of [inputs[0]!, inputs[2]!, inputs[5]!, inputs[6]!]) {
    const name = input.split('-').pop()!;
    const a = join(dir, `tee-${name}.a`);
    const b = join(dir, `tee-${name}.b`);
    sameOutput(`cat ${q(input)} | ${example(`tee ${q(a)} ${q(b)}`)}`, `cat ${q(input)}`, `tee-${name}`);
    cmp(a, input);
    cmp(b, input);
    // -a: appended after what is there, as coreutils tee -a does.
    const mine = join(dir, `tee-${name}.append-ours`);
    const theirs = join(dir, `tee-${name}.append-theirs`);
    nodeFs.writeFileSync(mine, 'before\n');
    nodeFs.writeFileSync(theirs, 'before\n');
    sh(`cat ${q(input)} | ${example(`tee -a ${q(mine)}`)} > /dev/null`);
    sh(`cat ${q(input)} | tee -a ${q(theirs)} > /dev/null`);
    cmp(mine, theirs);
  }
});

test('cp: byte-identical to coreutils cp', () => {
  for (const input of inputs) {
    const ours = `${input}.cp-ours`;
    const theirs = `${input}.cp-theirs`;
    sh(`${example(`cp ${q(input)} ${q(ours)}`)} && cp ${q(input)} ${q(theirs)}`);
    cmp(ours, theirs);
  }
});

test('logger: lines appended in WRITEV batches, in order, after what the file held', () => {
  const log = join(dir, 'app.log');
  nodeFs.writeFileSync(log, 'first line\n');
  const out = sh(`${example(`logger ${q(log)} 20000 100`)} && ${example(`logger ${q(log)} 3001 1024`)}`);
  assert.match(out, /20000 lines appended .* in 200 WRITEV/);
  const expected = `${['first line', ...Array.from({ length: 20000 }, (_, i) => logLine(i)), ...Array.from({ length: 3001 }, (_, i) => logLine(i))].join('\n')}\n`;
  assert.equal(nodeFs.readFileSync(log, 'utf8'), expected);
});

test('concurrent_reads: 150 files read at once, in a handful of enters', () => {
  const many = join(dir, 'many');
  nodeFs.mkdirSync(many);
  let bytes = 0;
  for (let i = 0; i < 150; i++) {
    const data = randomBytes(i * 37);
    bytes += data.length;
    nodeFs.writeFileSync(join(many, `f${i}`), data);
  }
  const out = sh(example(`concurrent_reads ${q(many)}`));
  assert.match(out, new RegExp(`read 150 files, ${bytes} bytes`));
  const enters = Number(/(\d+) io_uring_enter call/.exec(out)![1]);
  // open, statx, read, close: one enter each when the ring has room for all.
  assert.ok(enters <= 6, out);
});

/** Runs a shell command that is expected to fail: its status and stderr. */
function shFails(command: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

test('issue #9 examples: a missing path is one clear error line and exit status 1, not a stack', () => {
  const missing = join(dir, 'no-such-file');
  for (const name of ['cat', 'linked_cat']) {
    const { status, stderr } = shFails(`${example(`${name} ${q(missing)}`)} > /dev/null`);
    assert.equal(status, 1, `${name}: ${stderr}`);
    assert.equal(stderr, `${name}: ENOENT: no such file or directory, open '${missing}'\n`);
  }
  const { status, stderr } = shFails(example(`cp ${q(missing)} ${q(join(dir, 'cp-out'))}`));
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^cp: ENOENT: no such file or directory, (open|copyfile) '.*no-such-file'.*\n$/);
  assert.equal(stderr.split('\n').length, 2, 'one line');
});

test('issue #9 examples: missing arguments print the usage and exit 2', () => {
  for (const [args, usage] of [
    ['logger', 'usage: logger <file> [lines] [batch]'],
    ['cp', 'usage: cp <src> <dst>'],
    ['linked_cat', 'usage: linked_cat <file>'],
  ] as const) {
    const { status, stderr } = shFails(example(args));
    assert.equal(status, 2, `${args}: ${stderr}`);
    assert.equal(stderr, `${usage}\n`);
  }
});

test("issue #9 fault 7 in cat: a FIFO copied into a file past ulimit -f fails with EFBIG, and what it wrote is the input's start", () => {
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const out = join(dir, 'cat-efbig');
  // 100 KiB: the limit falls inside a 256 KiB write, so the write is cut short before the error.
  const { status, stderr } = shFails(`(cat ${q(inputs[5]!)} > ${q(fifo)} &); ulimit -f 100; ${example(`cat ${q(fifo)}`)} > ${q(out)}`);
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^cat: EFBIG: file too large, write/);
  const written = nodeFs.readFileSync(out);
  assert.equal(written.length, 100 * 1024);
  assert.ok(written.equals(nodeFs.readFileSync(inputs[5]!).subarray(0, written.length)), 'nothing was written over the start');
});

test("issue #9 fault 7 in linked_cat and tee: past ulimit -f, EFBIG, and what was written is the input's start", () => {
  const input = nodeFs.readFileSync(inputs[5]!);
  for (const [name, command] of [
    ['linked_cat', example(`linked_cat ${q(inputs[5]!)}`)],
    ['tee', `cat ${q(inputs[5]!)} | ${example('tee')}`],
  ] as const) {
    const out = join(dir, `${name}-efbig`);
    const { status, stderr } = shFails(`ulimit -f 100; ${command} > ${q(out)}`);
    assert.equal(status, 1, `${name}: ${stderr}`);
    assert.match(stderr, new RegExp(`^${name}: EFBIG: file too large, write`));
    const written = nodeFs.readFileSync(out);
    assert.equal(written.length, 100 * 1024, name);
    assert.ok(written.equals(input.subarray(0, written.length)), `${name}: nothing was written over the start`);
  }
});

test('cat to a file continues at the offset the shell left, and leaves it after what it wrote', () => {
  const out = join(dir, 'cat-offset');
  sh(`{ echo before; cat ${q(inputs[3]!)} | ${example('cat -')}; ${example(`cat ${q(inputs[2]!)}`)}; echo after; } > ${q(out)}`);
  const expected = Buffer.concat([Buffer.from('before\n'), nodeFs.readFileSync(inputs[3]!), nodeFs.readFileSync(inputs[2]!), Buffer.from('after\n')]);
  assert.ok(nodeFs.readFileSync(out).equals(expected));
});
