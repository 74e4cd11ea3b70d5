// How fast this machine runs right now, measured the same way on every run of
// the bench: a fixed piece of plain JavaScript work, and a setImmediate round
// trip (the event loop's own floor). A VM's speed drifts from hour to hour and
// between hosts; printed beside the figures, it tells a slower machine from a
// slower ringcore (an import row that doubled with the VM, session 31).
// Prints one JSON line: { jsMs, immediateNs }.

/** A fixed mix of what servers do in JavaScript: string building, parsing, maps, arrays. */
function work(): number {
  let checksum = 0;
  const seen = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const line = `GET /item/${i % 977}?q=${(i * 7919) % 10_007} HTTP/1.1`;
    const parts = line.split(' ');
    const path = parts[1]!;
    seen.set(path, (seen.get(path) ?? 0) + 1);
    const record = JSON.parse(JSON.stringify({ path, n: i, tags: [i & 1, i & 2, i & 4] })) as { n: number; tags: number[] };
    checksum = (checksum + record.n + record.tags.reduce((a, b) => a + b, 0) + path.length) | 0;
  }
  return checksum + seen.size;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const EXPECTED = work(); // also the warm-up
const jsTimes: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = process.hrtime.bigint();
  if (work() !== EXPECTED) throw new Error('speed-probe: the fixed work gave another result');
  jsTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
}

const TRIPS = 20_000;
const trips = (): Promise<number> =>
  new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let left = TRIPS;
    const next = (): void => {
      if (--left > 0) setImmediate(next);
      else resolve(Number(process.hrtime.bigint() - start) / TRIPS);
    };
    setImmediate(next);
  });
await trips(); // warm-up
const tripTimes: number[] = [];
for (let i = 0; i < 5; i++) tripTimes.push(await trips());

console.log(JSON.stringify({ jsMs: Math.round(median(jsTimes) * 100) / 100, immediateNs: Math.round(median(tripTimes)) }));
