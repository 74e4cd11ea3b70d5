// ringcore/fs's named exports (index.ts adds the default export, made of them).
export { open, type OpenOptions } from './open.js';
export {
  FileHandle,
  type ReadResult,
  type WriteResult,
  type ReadOptions,
  type WriteOptions,
  type ReadFileOptions,
  type WriteFileOptions,
} from './file-handle.js';
export { readFile, type ReadFileModuleOptions } from './read-file.js';
export { writeFile, appendFile, type WriteFileModuleOptions } from './write-file.js';
export { copyFile, type CopyFileOptions } from './copy-file.js';
export { stat, lstat, Stats, type StatOptions } from './stat.js';
export { BigIntStats } from './bigint-stats.js';
export { rename, unlink, symlink, link } from './names.js';
export { mkdir, rmdir, rm, readdir, type MkdirOptions, type RmOptions, type ReaddirOptions } from './directory.js';
export { truncate } from './truncate.js';
export { BufferPool, type PoolBuffer } from './buffer-pool.js';
export { FileTable, fileTableOf } from './file-table.js';
export { transfer, spliceTransfer } from './lazy-copy.js';
export type { TransferOptions, TransferEnd } from './transfer.js';
export { FilePosition } from './file-position.js';
export { spliceSpec } from './splice-spec.js';
export type { SpliceOptions } from './splice.js';
export { createReadStream, createWriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
export type { ReadableWebStreamOptions, WritableWebStreamOptions, WebChunk } from './web-streams.js';
export { toOpenFlags } from './flags.js';
export type { FsOptions } from './options.js';
export type { PathLike } from './path.js';
export { constants } from 'node:fs';
export {
  access,
  chmod,
  chown,
  cp,
  glob,
  lchmod,
  lchown,
  lutimes,
  mkdtemp,
  mkdtempDisposable,
  opendir,
  readlink,
  realpath,
  statfs,
  utimes,
  watch,
} from './node-delegates.js';
export * as specs from './ops.js';
