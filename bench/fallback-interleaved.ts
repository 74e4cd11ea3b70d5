// The node backend's rows (scenarios/fallback.ts) measured in one process,
// interleaved: batches of each row's ops alternate between the sides, so a
// busy spell of this shared VM hits every side alike. Not a scenario of
// `npm run bench`: a tool behind docs/performance.md's notes on the node
// backend. Prints CPU time per op (user + system; wall time counts other
// processes' work) summed over every batch, and each side against Node's:
//   readFile  1000 files of 4 KiB, batches of 100 under Promise.all
//   read      FileHandle.read of 64 KiB through a page-cached 32 MiB file, batches of 32
//   pingpong  64 B round trips to an in-process echo server, batches of 100:
//             node (its 'data' events), node-pull (net.Socket in ringcore's
//             shape: await the write, then the echo) and ringcore
//
// node dist/bench/fallback-interleaved.js [readFile|read|pingpong]... [--batches N]
import { open as nodeOpen, readFile as nodeReadFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { open, readFile } from 'ringcore/fs';
import { checkBackend, echoServer, nodeClient, nodePullClient, type PingPongClient, ringcoreClient } from './lib/fallback-clients.js';
import { smallFiles } from './lib/small-files.js';
import { ensureFile, warm } from './lib/files.js';

// Read when ringcore is first used, which is after this line.
process.env.RINGCORE_BACKEND = 'node';

type Batch = () => Promise<void>;
interface Side {
  name: string;
  /** Ops per batch. */
  ops: number;
  batch: Batch;
}

async function readFileSides(): Promise<Side[]> {
  const paths = smallFiles(1000);
  warm(...paths);
  const side = (name: string, read: (path: string) => Promise<Buffer>): Side => {
    let at = 0;
    return {
      name,
      ops: 100,
      batch: async () => {
        const slice = paths.slice(at, at + 100);
        at = (at + 100) % paths.length;
        await Promise.all(slice.map(read));
      },
    };
  };
  checkBackend();
  return [side('node', (path) => nodeReadFile(path)), side('ringcore', (path) => readFile(path) as Promise<Buffer>)];
}

type Reader = { read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> };

async function readSides(): Promise<Side[]> {
  const path = ensureFile('fallback-interleaved-32m', 32 << 20);
  warm(path);
  const side = (name: string, handle: Reader): Side => {
    const chunk = Buffer.allocUnsafe(65536);
    let position = 0;
    return {
      name,
      ops: 32,
      batch: async () => {
        for (let i = 0; i < 32; i++) {
          const { bytesRead } = await handle.read(chunk, 0, 65536, position);
          position = bytesRead === 0 ? 0 : position + 65536;
        }
      },
    };
  };
  checkBackend();
  return [side('node', await nodeOpen(path)), side('ringcore', (await open(path)) as unknown as Reader)];
}

async function pingPongSides(): Promise<Side[]> {
  const server = await echoServer();
  const message = Buffer.alloc(64, 'x');
  const side = (name: string, client: PingPongClient): Side => ({
    name,
    ops: 100,
    batch: async () => {
      for (let i = 0; i < 100; i++) await client.exchange(message);
    },
  });
  return [
    side('node', await nodeClient(server.port)),
    side('node-pull', await nodePullClient(server.port)),
    side('ringcore', await ringcoreClient(server.port)),
  ];
}

const ROWS: Record<string, () => Promise<Side[]>> = { readFile: readFileSides, read: readSides, pingpong: pingPongSides };

const { values, positionals } = parseArgs({ options: { batches: { type: 'string', default: '400' } }, allowPositionals: true });
const batches = Number(values.batches);
for (const row of positionals.length > 0 ? positionals : Object.keys(ROWS)) {
  const make = ROWS[row];
  if (make === undefined) throw new Error(`unknown row ${row} (rows: ${Object.keys(ROWS).join(', ')})`);
  const sides = await make();
  for (const side of sides) for (let i = 0; i < 30; i++) await side.batch(); // untimed: JIT
  const cpu = new Map(sides.map((side) => [side.name, 0]));
  for (let b = 0; b < batches; b++) {
    // Each batch in another order, so that no side always follows the same one.
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(b + i) % sides.length]!;
      const start = process.cpuUsage();
      await side.batch();
      const used = process.cpuUsage(start);
      cpu.set(side.name, cpu.get(side.name)! + used.user + used.system);
    }
  }
  const perOp = (side: Side) => cpu.get(side.name)! / (batches * side.ops);
  const node = perOp(sides[0]!);
  const against = (side: Side) => (side === sides[0] ? '' : ` (${(node / perOp(side)).toFixed(2)}×)`);
  const cells = sides.map((side) => `${side.name} ${perOp(side).toFixed(2)} µs${against(side)}`);
  console.log(`${row}: CPU per op, ${batches} batches: ${cells.join(', ')}`);
}
process.exit(0);
