// One SQE, many connections: the listener's iterator is ONE multishot
// IORING_OP_ACCEPT (IORING_ACCEPT_MULTISHOT in sqe->ioprio). The kernel posts
// a CQE, with IORING_CQE_F_MORE, for each connection, and the SQE stays armed.
// This example opens N client connections with node:net and prints how many
// CQEs the one SQE produced.
//
//   npm run example -- multishot_accept [--host 127.0.0.1] [--port 0] [--connections 100]
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { TcpListener } from 'ringcore/net';

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' }, connections: { type: 'string', default: '100' } },
  });
  const n = Number(values.connections);
  const listener = await TcpListener.bind({ host: values.host, port: Number(values.port), backlog: 4096 });
  const { address, port } = listener.address();
  console.log(`listening on ${address}:${port}`);

  const clients = Array.from({ length: n }, () => connect({ host: address, port }).on('error', () => {}));
  let accepted = 0;
  for await (const conn of listener) {
    await conn.close();
    if (++accepted === n) break; // leaving the loop cancels the multishot accept
  }
  for (const c of clients) c.destroy();
  const { arms, cqes } = listener.stats;
  console.log(`${accepted} connections accepted from ${arms} accept SQE(s): ${cqes} CQEs (${(cqes / arms).toFixed(0)} per SQE)`);
  await listener.close();
}
