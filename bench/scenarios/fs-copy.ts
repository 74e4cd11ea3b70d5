// copyFile of a big file (page cache warm). value: ns per copy. Before each
// copy the destination is deleted and `sync` run (untimed), so that no copy
// pays for the writeback of the previous one.
//   ringcore           ringcore/fs copyFile (no signal, no method: node:fs's copyFile on Node)
//   ringcore-splice    copyFile with method 'splice' (SPLICE through a pipe, pairs linked 16 to a chain)
//   ringcore-readwrite copyFile with method 'readwrite' (pipelined READ/WRITE)
//   promises           node:fs/promises copyFile (libuv: copy_file_range / sendfile in the kernel)
import { execSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { copyFile as nodeCopyFile } from 'node:fs/promises';
import { copyFile } from 'ringcore/fs';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import { ensureFile, warm } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  megabytes: number;
  repeat: number;
}

async function measure(copy: (src: string, dest: string) => Promise<void>, { megabytes, repeat }: Params): Promise<Measurement> {
  const src = ensureFile(`cat-${megabytes}MB`, megabytes * 1e6);
  const dest = `${src}.copy-${process.pid}`;
  const times: number[] = [];
  try {
    for (let i = 0; i <= repeat; i++) {
      rmSync(dest, { force: true });
      execSync('sync');
      warm(src);
      const start = nowNs();
      await copy(src, dest);
      if (i > 0) times.push(nowNs() - start); // the first copy is untimed (JIT, setup)
    }
  } finally {
    rmSync(dest, { force: true });
  }
  times.sort((a, b) => a - b);
  return { value: times[times.length >> 1]!, unit: 'ns/op', ops: 1 };
}

await benchMain<Params>(
  {
    ringcore: (p) => measure((s, d) => copyFile(s, d), p),
    'ringcore-splice': (p) => measure((s, d) => copyFile(s, d, 0, { method: 'splice' }), p),
    'ringcore-readwrite': (p) => measure((s, d) => copyFile(s, d, 0, { method: 'readwrite' }), p),
    promises: (p) => measure((s, d) => nodeCopyFile(s, d), p),
  },
  (raw) => ({ megabytes: intParam(raw, 'megabytes', 100), repeat: intParam(raw, 'repeat', 5) }),
);
