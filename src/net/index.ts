// ringcore/net: sockets on io_uring (TCP over IPv4 and IPv6, Unix, UDP,
// socketpair), async iterators over multishot accept and multishot recv, and
// a node:stream Duplex adapter so node:http runs on ringcore sockets.
export { TcpListener, type TcpListenOptions } from './tcp-listener.js';
export { TcpStream, type ConnectOptions } from './tcp-stream.js';
export { SocketStream, setZeroCopyThreshold, type IoOptions } from './stream.js';
export type { AcceptStats } from './accept-loop.js';
export { Listener, type AcceptOptions } from './listener.js';
export { UnixListener, UnixStream, type UnixConnectOptions, type UnixListenOptions } from './unix.js';
export { UdpSocket, type BorrowedDatagram, type Datagram, type DatagramOptions, type UdpBindOptions } from './udp.js';
export { DatagramIterator } from './udp-datagrams.js';
export { zeroCopyStats } from './send-zc.js';
export { socketpair } from './socketpair.js';
export { ChunkIterator, type BorrowedChunk, type ChunkOptions } from './chunks.js';
export { BufferRing, configureRecvBuffers, recvBuffers, NET_BUFFER_GROUP, type BufferRingOptions } from './buffer-ring.js';
export { RingcoreDuplex, toDuplex, type DuplexOptions } from './duplex.js';
export { serveHttp, type ServeHttpHandle } from './serve-http.js';
export type { SocketAddress } from './address.js';
export { netRing, NET_CQ_ENTRIES } from './net-ring.js';
