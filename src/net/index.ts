// ringcore/net: sockets on io_uring (TCP, UDP, Unix), with a node:net Duplex adapter.
// Its API arrives with the networking issue; the entry point exists so the
// package's `exports` map is complete.
export {};
