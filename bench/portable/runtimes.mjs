// ringcore against the runtime's own built-ins, on Node, Bun and Deno alike:
// plain JavaScript that imports the built package by its name (run it from
// the repository's root, after `npm run build`). One process runs one
// workload, alternating the ringcore loop and the built-in one `rounds` times,
// and prints, per variant, the medians (and ranges) of wall and CPU time per
// op. CPU is the whole process's (every thread: the thread driver's waiting
// thread too), from process.cpuUsage or, where the runtime lacks it,
// /proc/self/stat. Not a scenario of `npm run bench`: the tool behind
// docs/performance.md's "ringcore on Bun and Deno".
//
//   node bench/portable/runtimes.mjs WORKLOAD [rounds=5] [seconds per loop=0.4]
//   bun bench/portable/runtimes.mjs WORKLOAD ...
//   deno run -A bench/portable/runtimes.mjs WORKLOAD ...
//
// WORKLOAD: nop | read1k | read1m | read4k-x1000 | random4k | tcp-ring | tcp-node
import { Buffer } from 'node:buffer';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import * as nodeNet from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring, completionDriver } from 'ringcore';
import * as ringFs from 'ringcore/fs';
import { TcpListener, TcpStream } from 'ringcore/net';

const [workload, roundsArg = '5', secondsArg = '0.4'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);
const runtime = process.versions.bun ? 'bun' : globalThis.Deno ? 'deno' : completionDriver() === 'thread' ? 'node-thread' : 'node';

const ticks = 100; // USER_HZ
/** CPU time of the whole process, in ns. */
function cpuNs() {
  if (typeof process.cpuUsage === 'function') {
    const u = process.cpuUsage();
    return (u.user + u.system) * 1000;
  }
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e9) / ticks;
}
const cpuSource = typeof process.cpuUsage === 'function' ? 'cpuUsage' : '/proc/self/stat';
const now = () => Number(process.hrtime.bigint());

/** Runs `step` (which does `perStep` ops) until `seconds` pass; returns [wall ns/op, cpu ns/op]. */
async function measure(step, perStep) {
  const deadline = now() + seconds * 1e9;
  let ops = 0;
  const wall0 = now();
  const cpu0 = cpuNs();
  do {
    await step();
    ops += perStep;
  } while (now() < deadline);
  return [(now() - wall0) / ops, (cpuNs() - cpu0) / ops];
}

const dir = mkdtempSync(join(tmpdir(), 'ringcore-rt-'));
const cleanups = [];

/** Each workload: { perStep, variants: { name: async step } }, made once. */
async function setup(name) {
  switch (name) {
    case 'nop': {
      const ring = new Ring({ entries: 64 });
      cleanups.push(() => ring.close());
      return { perStep: 1, variants: { ringcore: () => ring.nop(), builtin: () => new Promise((resolve) => setImmediate(resolve)) } };
    }
    case 'read1k':
    case 'read1m': {
      const file = join(dir, name);
      writeFileSync(file, Buffer.alloc(name === 'read1k' ? 1024 : 1 << 20, 7));
      return { perStep: 1, variants: { ringcore: () => ringFs.readFile(file), builtin: () => nodeFs.readFile(file) } };
    }
    case 'read4k-x1000': {
      const files = [];
      for (let i = 0; i < 16; i++) {
        files.push(join(dir, `f${i}`));
        writeFileSync(files[i], Buffer.alloc(4096, i));
      }
      const all = (read) => () => Promise.all(Array.from({ length: 1000 }, (_, i) => read(files[i & 15])));
      return { perStep: 1000, variants: { ringcore: all(ringFs.readFile), builtin: all(nodeFs.readFile) } };
    }
    case 'random4k': {
      const file = join(dir, 'random');
      const blocks = 4096; // 16 MiB, in the page cache
      writeFileSync(file, Buffer.alloc(blocks * 4096, 3));
      const rh = await ringFs.open(file, 'r');
      const nh = await nodeFs.open(file, 'r');
      cleanups.push(
        () => rh.close(),
        () => nh.close(),
      );
      const buf = Buffer.alloc(4096);
      let seed = 1;
      const next = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return (seed % blocks) * 4096;
      };
      return {
        perStep: 1,
        variants: { ringcore: () => rh.read(buf, 0, 4096, next()), builtin: () => nh.read(buf, 0, 4096, next()) },
      };
    }
    case 'tcp-ring':
    case 'tcp-node': {
      // 64 B ping-pong, one round trip per op. tcp-ring: ringcore client and
      // server in one process against node:net's; tcp-node: a ringcore client
      // against a node:net echo server, against a node:net client there.
      const message = Buffer.alloc(64, 1);
      const nodeServer = nodeNet.createServer({ noDelay: true }, (s) => s.on('data', (d) => s.write(d)));
      await new Promise((resolve) => nodeServer.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => nodeServer.close());
      const nodeClient = nodeNet.connect({ port: nodeServer.address().port, host: '127.0.0.1', noDelay: true });
      await new Promise((resolve) => nodeClient.once('connect', resolve));
      cleanups.push(() => nodeClient.destroy());
      const nodePing = () =>
        new Promise((resolve) => {
          let got = 0;
          const onData = (d) => {
            got += d.length;
            if (got >= 64) {
              nodeClient.off('data', onData);
              resolve();
            }
          };
          nodeClient.on('data', onData);
          nodeClient.write(message);
        });
      const buf = Buffer.alloc(256);
      let port = nodeServer.address().port;
      if (name === 'tcp-ring') {
        const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
        port = listener.address().port;
        const accepted = listener.accept();
        const client = await TcpStream.connect({ host: '127.0.0.1', port });
        const server = await accepted;
        const serverBuf = Buffer.alloc(256);
        (async () => {
          for (;;) {
            const n = await server.read(serverBuf);
            if (n === 0) return;
            await server.write(serverBuf.subarray(0, n));
          }
        })().catch(() => {});
        cleanups.push(
          () => client.close(),
          () => server.close(),
          () => listener.close(),
        );
        return { perStep: 1, variants: { ringcore: () => ringPing(client), builtin: nodePing } };
      }
      const client = await TcpStream.connect({ host: '127.0.0.1', port });
      cleanups.push(() => client.close());
      return { perStep: 1, variants: { ringcore: () => ringPing(client), builtin: nodePing } };
      async function ringPing(client) {
        await client.write(message);
        let got = 0;
        while (got < 64) got += await client.read(buf);
      }
    }
    default:
      throw new Error(`unknown workload ${name}`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const { perStep, variants } = await setup(workload);
  const names = Object.keys(variants);
  const results = Object.fromEntries(names.map((n) => [n, { wall: [], cpu: [] }]));
  // Warm-up (JIT, page cache), then rounds in alternating order.
  for (const n of names) await measure(variants[n], perStep);
  for (let r = 0; r < rounds; r++) {
    for (const n of r % 2 ? [...names].reverse() : names) {
      const [wall, cpu] = await measure(variants[n], perStep);
      results[n].wall.push(wall);
      results[n].cpu.push(cpu);
    }
  }
  const out = { runtime, workload, cpuSource };
  for (const n of names) {
    out[n] = {
      wallNs: Math.round(median(results[n].wall)),
      cpuNs: Math.round(median(results[n].cpu)),
      cpuRange: [Math.round(Math.min(...results[n].cpu)), Math.round(Math.max(...results[n].cpu))],
    };
  }
  console.log(JSON.stringify(out));
} finally {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
