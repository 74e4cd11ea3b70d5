// V10: borrow-mode misuse: keep a borrowed chunk across next(); two next() without awaiting; two iterators on one stream;
// use after break/close; borrow given a non-boolean. None may corrupt owned data, crash, or lose bytes in the owned path.
import net from 'node:net';
const rn = await import('/work/wt/verify/dist/src/net/index.js');
const { Ring } = await import('/work/wt/verify/dist/src/index.js');
const ring = new Ring();
const l = await rn.TcpListener.bind({ host: '127.0.0.1', port: 0, ring });
async function pair(payload) {
  const c = net.connect(l.address().port, '127.0.0.1'); c.on('error', () => {});
  const s = await l.accept();
  if (payload) c.end(payload);
  return { c, s };
}
const data = Buffer.alloc(4 << 20); for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i >>> 2, i);
const out = [];
// 1. kept borrowed chunks: contents may change (documented), but the process must stay sound; then an owned read of the same data is intact
{ const { s } = await pair(data); const kept = []; let n = 0;
  for await (const c of s.chunks({ borrow: true })) { kept.push(c); n += c.length; }
  let changed = 0, off = 0; for (const k of kept) { if (!k.equals(data.subarray(off, off + k.length))) changed++; off += k.length; }
  out.push(`1 kept borrowed: ${kept.length} chunks, ${n} bytes, ${changed} changed under the user (documented)`); s.close(); }
// 2. two next() calls without awaiting the first
{ const { s } = await pair(data); const it = s.chunks({ borrow: true });
  let r;
  try { const [a, b] = await Promise.all([it.next(), it.next()]); r = `a=${a.done ? 'done' : a.value.length} b=${b.done ? 'done' : b.value.length}`; } catch (e) { r = 'threw ' + e.code + ' ' + e.message; }
  out.push('2 concurrent next(): ' + r); try { await it.return?.(); } catch {} s.close(); }
// 2b. same for owned chunks: data must be complete and in order
{ const { s } = await pair(data); const it = s.chunks(); const parts = []; let err = null;
  try { for (;;) { const rs = await Promise.all([it.next(), it.next(), it.next()]); let done = false; for (const r of rs) { if (r.done) done = true; else parts.push(r.value); } if (done) break; } } catch (e) { err = e.code + ' ' + e.message; }
  const got = Buffer.concat(parts); out.push(`2b owned concurrent next(): ${err ?? ''} ${got.equals(data) ? 'intact' : 'DIFFERENT (' + got.length + ' bytes)'}`); s.close(); }
// 3. two iterators on one stream
{ const { s } = await pair(data); let r;
  try { const a = s.chunks(); const b = s.chunks(); const parts = []; const pull = async (it) => { for await (const c of it) parts.push(c); };
    await Promise.race([Promise.all([pull(a), pull(b)]), new Promise((_, rej) => setTimeout(() => rej(new Error('hung 5 s')), 5000))]);
    r = `${Buffer.concat(parts).length} bytes`; } catch (e) { r = 'threw ' + (e.code ?? '') + ' ' + e.message; }
  out.push('3 two iterators: ' + r); s.close(); }
// 4. borrowed chunk used after break and after close and after ring close
{ const { s } = await pair(data); let kept; for await (const c of s.chunks({ borrow: true })) { kept = c; break; }
  await s.close(); const len = kept.length; const sum = kept.reduce((a, b) => a + b, 0); out.push(`4 after break+close: len ${len} readable (sum ${sum})`); }
// 5. borrow: non-boolean
for (const v of ['yes', 1, null]) { const { s } = await pair(null); try { s.chunks({ borrow: v }); out.push(`5 borrow=${JSON.stringify(v)}: accepted`); } catch (e) { out.push(`5 borrow=${JSON.stringify(v)}: ${e.constructor.name} ${e.code}`); } s.close(); }
// 6. borrowing reader stalls holding its chunk while another stream on the same ring (small pool) still flows
{ const r2 = new Ring(); rn.configureRecvBuffers(r2, { count: 4, size: 4096 });
  const l2 = await rn.TcpListener.bind({ host: '127.0.0.1', port: 0, ring: r2 });
  const c1 = net.connect(l2.address().port, '127.0.0.1'); c1.on('error', () => {}); const s1 = await l2.accept(); c1.write(data);
  const it1 = s1.chunks({ borrow: true }); await it1.next(); // stall holding a borrowed buffer
  const c2 = net.connect(l2.address().port, '127.0.0.1'); const s2 = await l2.accept(); c2.end(data);
  let n = 0; const t = setTimeout(() => {}, 0); const parts = [];
  await Promise.race([(async () => { for await (const c of s2.chunks({ borrow: true })) parts.push(Buffer.from(c)); })(), new Promise((_, rej) => setTimeout(() => rej(new Error('second stream starved 10 s')), 10000))]).catch((e) => out.push('6 ' + e.message));
  out.push(`6 pool of 4, one borrower stalled: second stream got ${Buffer.concat(parts).equals(data) ? 'all bytes intact' : Buffer.concat(parts).length + ' bytes'}`);
  c1.destroy(); c2.destroy(); }
console.log(out.join('\n'));
process.exit(0);
