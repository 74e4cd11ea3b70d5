// The node backend's fs, loaded on first use: it extends the fs handles'
// classes, so they reach it through a dynamic import (a static one would be
// a cycle), and io_uring programs never run it. The module is kept once
// loaded: import() itself costs microseconds per call. (load-net.ts is the
// same for net; they are two files so that each stays in its layer's chunk of
// the package's bundles, scripts/bundle.mjs.)
type FsModule = typeof import('./fs.js');

let fs: FsModule | undefined;

export const nodeFs = async (): Promise<FsModule> => (fs ??= await import('./fs.js'));
