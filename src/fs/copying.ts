// The copies behind transfer(), spliceTransfer() and copyFile()'s SPLICE and
// READ/WRITE (transfer.ts, splice.ts and the files they use: a third of ringcore/fs),
// in one module so that one dynamic import loads it on the first copy
// (lazy-copy.ts), not with ringcore/fs: in the package's bundles it is a chunk
// of its own (scripts/bundle.mjs; docs/performance.md, "Import cost", session 21).
export { transferHeld } from './transfer.js';
export { spliceCopy, spliceHeld } from './splice.js';
