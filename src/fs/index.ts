// ringcore/fs: files on io_uring, shaped like node:fs/promises.
// Its API arrives with the files issue; the entry point exists so the
// package's `exports` map is complete.
export {};
