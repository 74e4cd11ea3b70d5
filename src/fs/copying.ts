// The code behind transfer(), spliceTransfer() and copyFile()'s copy (transfer.ts,
// splice.ts, copy-range.ts and the files they use: about a third of ringcore/fs),
// in one module so that one dynamic import loads it on the first copy
// (lazy-copy.ts), not with ringcore/fs: in the package's bundles it is a chunk
// of its own (scripts/bundle.mjs; docs/performance.md, "Import cost", session 21).
export { transfer } from './transfer.js';
export { spliceCopy, spliceTransfer } from './splice.js';
export { canCopyRange, copyRange, copyRangeUnsupported } from './copy-range.js';
