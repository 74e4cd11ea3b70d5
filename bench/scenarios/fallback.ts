// ringcore on its node backend (RINGCORE_BACKEND=node: what runs where
// io_uring is refused) against the Node built-ins it calls. Variants are
// `<test>:<api>`, api 'ringcore' (on the node backend) or 'node':
//   small-files  1000 files of 4 KiB, readFile under Promise.all; ns per file
//   read         FileHandle.read of 64 KiB chunks through a file; ns per read
//   pingpong     one TCP connection to an in-process node:net echo server,
//                64 B back and forth for `seconds`; round trips/s
import { open as nodeOpen, readFile as nodeReadFile } from 'node:fs/promises';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, readFile } from 'ringcore/fs';
import { benchMain, intParam, nowNs, numberParam } from '../lib/child.js';
import { checkBackend, echoServer, nodeClient, type PingPongClient, ringcoreClient } from '../lib/fallback-clients.js';
import { readSmallFiles } from '../lib/small-files.js';
import { benchDir, warm } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

// Read when ringcore is first used, which is after this line.
process.env.RINGCORE_BACKEND = 'node';

interface Params {
  count: number;
  repeat: number;
  megabytes: number;
  seconds: number;
}

type Reader = { read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>; close(): Promise<void> };

async function measureRead(openFile: (path: string) => Promise<Reader>, { megabytes, repeat }: Params): Promise<Measurement> {
  const path = join(benchDir, `fallback-read-${megabytes}m`);
  mkdirSync(benchDir, { recursive: true });
  if (!existsSync(path)) writeFileSync(path, Buffer.alloc(megabytes << 20, 7));
  const chunk = Buffer.allocUnsafe(65536);
  const times: number[] = [];
  let reads = 0;
  for (let i = 0; i <= repeat; i++) {
    warm(path);
    const handle = await openFile(path);
    reads = 0;
    const start = nowNs();
    for (let position = 0; ; position += 65536) {
      const { bytesRead } = await handle.read(chunk, 0, 65536, position);
      if (bytesRead === 0) break;
      reads++;
    }
    if (i > 0) times.push(nowNs() - start); // the first pass is untimed: JIT
    await handle.close();
  }
  times.sort((a, b) => a - b);
  return { value: times[times.length >> 1]! / reads, unit: 'ns/op', ops: reads };
}

async function measurePingPong(connect: (port: number) => Promise<PingPongClient>, { seconds }: Params): Promise<Measurement> {
  const server = await echoServer();
  const client = await connect(server.port);
  const message = Buffer.alloc(64, 'x');
  for (let i = 0; i < 1000; i++) await client.exchange(message); // untimed: JIT
  let trips = 0;
  const start = nowNs();
  const end = start + seconds * 1e9;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 64; i++) await client.exchange(message);
    trips += 64;
    now = nowNs();
  }
  await client.close();
  server.close();
  return { value: trips / ((now - start) / 1e9), unit: 'ops/s', trips };
}

await benchMain<Params>(
  {
    'small-files:ringcore': (p) => {
      checkBackend();
      return readSmallFiles((path) => readFile(path) as Promise<Buffer>, p.count, p.repeat);
    },
    'small-files:node': (p) => readSmallFiles((path) => nodeReadFile(path), p.count, p.repeat),
    'read:ringcore': (p) => {
      checkBackend();
      return measureRead((path) => open(path) as Promise<Reader>, p);
    },
    'read:node': (p) => measureRead((path) => nodeOpen(path) as Promise<Reader>, p),
    'pingpong:ringcore': (p) => measurePingPong(ringcoreClient, p),
    'pingpong:node': (p) => measurePingPong(nodeClient, p),
  },
  (raw) => ({
    count: intParam(raw, 'count', 1000),
    repeat: intParam(raw, 'repeat', 5),
    megabytes: intParam(raw, 'megabytes', 32),
    seconds: numberParam(raw, 'seconds', 1),
  }),
);
