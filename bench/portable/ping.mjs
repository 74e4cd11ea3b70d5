// N 64 B round trips from each of K ringcore TcpStreams (at once), to a ringcore server in the
// same process (`ring`) or to the runtime's own node:net echo server (`net`),
// for counting what one round trip costs (strace -f -c, perf stat): prints
// the trips done and the CPU per trip. Not a scenario of `npm run bench`.
//   node|bun bench/portable/ping.mjs ring|net [N=5000] [K=1]
//   deno run -A bench/portable/ping.mjs ring|net [N=5000] [K=1]
import { Buffer } from 'node:buffer';
import * as nodeNet from 'node:net';
import { completionDriver } from 'ringcore';
import { TcpListener, TcpStream } from 'ringcore/net';

const [peer = 'ring', count = '5000', clients = '1'] = process.argv.slice(2);
const N = Number(count);
const K = Number(clients);
const msg = Buffer.alloc(64, 1);
let port;
let stop;
if (peer === 'net') {
  const server = nodeNet.createServer({ noDelay: true }, (s) => s.on('data', (d) => s.write(d)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
  stop = () => server.close();
} else {
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  port = listener.address().port;
  (async () => {
    for await (const socket of listener) {
      (async () => {
        const own = Buffer.alloc(256);
        for (;;) {
          const n = await socket.read(own);
          if (n === 0) break;
          await socket.write(own.subarray(0, n));
        }
        socket.close();
      })();
    }
  })().catch(() => {});
  stop = () => listener.close();
}
const streams = await Promise.all(Array.from({ length: K }, () => TcpStream.connect({ host: '127.0.0.1', port })));
const cpu0 = process.cpuUsage?.();
await Promise.all(
  streams.map(async (client) => {
    const buf = Buffer.alloc(256);
    for (let i = 0; i < N; i++) {
      await client.write(msg);
      let got = 0;
      while (got < 64) got += await client.read(buf);
    }
  }),
);
const cpu = process.cpuUsage?.(cpu0);
const trips = N * K;
console.log(JSON.stringify({ peer, driver: completionDriver(), trips, cpuNsPerTrip: cpu ? Math.round(((cpu.user + cpu.system) * 1000) / trips) : null }));
for (const client of streams) client.close();
await stop();
process.exit(0);
