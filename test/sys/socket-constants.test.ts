// Checks src/sys/socket-constants.ts against the C headers: every export is
// printed by a program compiled against <sys/socket.h>, <netinet/in.h>,
// <netinet/tcp.h>, <poll.h> and compared.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as S from '../../src/sys/socket-constants.js';

const workDir = mkdtempSync(join(tmpdir(), 'ringcore-sockconst-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

test('every socket constant matches the C headers', (t) => {
  const names = Object.keys(S).filter((n) => n !== 'SOMAXCONN');
  const program = [
    '#define _GNU_SOURCE',
    '#include <sys/socket.h>',
    '#include <netinet/in.h>',
    '#include <netinet/tcp.h>',
    '#include <poll.h>',
    '#include <stdio.h>',
    'int main(void) {',
    ...names.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n}));`),
    '  return 0;',
    '}',
  ].join('\n');
  const src = join(workDir, 'c.c');
  const exe = join(workDir, 'c');
  writeFileSync(src, program);
  const cc = spawnSync('cc', ['-o', exe, src], { encoding: 'utf8' });
  if (cc.error) return void t.skip(`no C compiler: ${cc.error.message}`);
  assert.equal(cc.status, 0, cc.stderr);
  const out = spawnSync(exe, { encoding: 'utf8' }).stdout;
  const fromC = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.split(' ')[0], Number(line.split(' ')[1])]),
  );
  const ours = Object.fromEntries(names.map((n) => [n, (S as Record<string, number>)[n]]));
  assert.deepEqual(ours, fromC);
});
