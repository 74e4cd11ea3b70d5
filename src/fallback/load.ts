// The node backend's implementations, loaded on first use: they extend the
// handles' classes, so the handles reach them through a dynamic import (a
// static one would be a cycle), and io_uring programs never load them. The
// module is kept once loaded: import() itself costs microseconds per call.
type FsModule = typeof import('./fs.js');
type NetModule = typeof import('./net.js');

let fs: FsModule | undefined;
let net: NetModule | undefined;

export const nodeFs = async (): Promise<FsModule> => (fs ??= await import('./fs.js'));
export const nodeNet = async (): Promise<NetModule> => (net ??= await import('./net.js'));
