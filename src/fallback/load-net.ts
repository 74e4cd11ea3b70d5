// The node backend's net, loaded on first use, as load-fs.ts loads its fs.
type NetModule = typeof import('./net.js');

let net: NetModule | undefined;

export const nodeNet = async (): Promise<NetModule> => (net ??= await import('./net.js'));
