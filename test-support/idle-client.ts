// A node:net client process that holds many idle connections to an echo
// server, driven by lines on stdin (for the 10,000-connection test and the
// net-idle benchmark):
//   node dist/test-support/idle-client.js --port P [--host H] --connections N [--batch B]
// It opens N connections, B at a time, and prints "connected <ok> <failed>".
// Then, per stdin line:
//   echo   each connection sends a message of its own and waits for exactly
//          that back (B at a time); prints "echoed <ok> <wrong> <lost>", where
//          lost counts connections that saw an end, close or error while idle
//   quit   destroys every connection and exits
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    connections: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
  },
});
const port = Number(values.port);
const total = Number(values.connections);
const batch = Number(values.batch);

const sockets: net.Socket[] = [];
let lost = 0;

function connect(): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: values.host, noDelay: true });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      const onLost = () => {
        if ((socket as { lost?: boolean }).lost) return;
        (socket as { lost?: boolean }).lost = true;
        lost++;
      };
      socket.on('end', onLost).on('close', onLost).on('error', onLost);
      resolve(socket);
    });
    socket.once('error', () => resolve(null));
  });
}

async function inBatches<T>(count: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    out.push(...(await Promise.all(Array.from({ length: n }, (_, k) => run(start + k)))));
  }
  return out;
}

/** Sends connection i's own message and resolves whether exactly it came back. */
function echo(i: number): Promise<boolean> {
  const socket = sockets[i]!;
  const message = Buffer.from(`connection ${String(i).padStart(6, '0')} says hello\n`);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < message.length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(Buffer.concat(chunks).equals(message));
    };
    const onClose = () => {
      socket.off('data', onData);
      resolve(false);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(message);
  });
}

const results = await inBatches(total, () => connect());
for (const socket of results) if (socket !== null) sockets.push(socket);
console.log(`connected ${sockets.length} ${total - sockets.length}`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'echo') {
    const lostBefore = lost;
    const ok = await inBatches(sockets.length, echo);
    const good = ok.filter(Boolean).length;
    console.log(`echoed ${good} ${ok.length - good} ${lostBefore}`);
  } else if (line === 'quit') {
    break;
  }
}
for (const socket of sockets) socket.destroy();
process.exit(0);
