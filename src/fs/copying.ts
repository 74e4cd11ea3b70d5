// The code behind copyFile(), transfer() and spliceTransfer() (copy-file.ts,
// transfer.ts, splice.ts and the files they use: about a third of ringcore/fs),
// in one module so that one dynamic import loads it on the first copy
// (lazy-copy.ts), not with ringcore/fs: in the package's bundles it is a chunk
// of its own (scripts/bundle.mjs; docs/performance.md, "Import cost", session 21).
export { copyFile } from './copy-file.js';
export { transfer } from './transfer.js';
export { spliceTransfer } from './splice.js';
