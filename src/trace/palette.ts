// A colour per opcode: the common ones fixed, so that a read is always the
// same blue from one picture to the next; any other one from a hash of its name.
const FIXED: Record<string, string> = {
  NOP: '#9e9e9e',
  READ: '#1f77b4',
  READV: '#1f77b4',
  READ_FIXED: '#1f77b4',
  WRITE: '#ff7f0e',
  WRITEV: '#ff7f0e',
  WRITE_FIXED: '#ff7f0e',
  RECV: '#2ca02c',
  RECVMSG: '#2ca02c',
  SEND: '#d62728',
  SENDMSG: '#d62728',
  SEND_ZC: '#d62728',
  TIMEOUT: '#9467bd',
  LINK_TIMEOUT: '#c5b0d5',
  ACCEPT: '#8c564b',
  CONNECT: '#e377c2',
  OPENAT: '#17becf',
  OPENAT2: '#17becf',
  CLOSE: '#bcbd22',
  STATX: '#7f7f7f',
  ASYNC_CANCEL: '#393b79',
  POLL_ADD: '#637939',
  FSYNC: '#8c6d31',
};

/** The colour of an opcode's slices: fixed for the common ones, a stable hash of the name for the rest. */
export function opcodeColor(name: string): string {
  const fixed = FIXED[name];
  if (fixed !== undefined) return fixed;
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360}, 55%, 50%)`;
}
