// Many small files: `count` files of 4 KiB, all read with readFile under
// Promise.all. value: ns per file. The files are read right before each run.
//   ringcore   ringcore/fs readFile
//   promises   node:fs/promises readFile
import { readFile as nodeReadFile } from 'node:fs/promises';
import { readFile } from 'ringcore/fs';
import { benchMain, intParam } from '../lib/child.js';
import { readSmallFiles } from '../lib/small-files.js';

interface Params {
  count: number;
  repeat: number;
}

await benchMain<Params>(
  {
    ringcore: ({ count, repeat }) => readSmallFiles((path) => readFile(path) as Promise<Buffer>, count, repeat),
    promises: ({ count, repeat }) => readSmallFiles((path) => nodeReadFile(path), count, repeat),
  },
  (raw) => ({ count: intParam(raw, 'count', 1000), repeat: intParam(raw, 'repeat', 5) }),
);
