const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
await import(process.argv[2]);
const c = process.cpuUsage(c0);
console.log(((c.user + c.system) / 1000).toFixed(2), (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2));
