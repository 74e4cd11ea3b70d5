/**
 * The receive buffers serve() and createServer give their ring. From Linux 6.12, 64 of 64 KiB
 * consumed incrementally: each recv takes only what it needs of the buffer at the head, so many
 * connections' requests share a buffer and a 16 KiB upload is one or two completions, not five
 * (docs/performance.md, "Session 30: uploads"). Before, 1024 of 4 KiB (sized for heads; 4 MiB
 * too). The kernel takes them in ring order and each goes back to the end of it once parsed, so a
 * connection's receives walk through all of them: with 4096 (16 MiB) a 16 KiB upload, five
 * buffers, wrote into pages never touched before (page faults) for its first 800 uploads, and
 * into memory out of cache after that. 1024 still leaves four per connection at c=256, and
 * running out (ENOBUFS) only pauses a recv until one is back; 512 cost the c=1000 hello row
 * (docs/performance.md, "Session 19").
 */
export const RECV_BUFFERS = { count: 1024, size: 4096, incremental: { count: 64, size: 65536 } } as const;
