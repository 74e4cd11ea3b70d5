// Bun.serve hello world, the reference in the HTTP benchmark. Run with bun
// (installed by `npm run bench -- --setup` into bench/.tools), not node.
//   bun dist/bench/servers/bun-serve.js [--host H] [--port P]
declare const Bun: { serve(options: { hostname: string; port: number; fetch(req: Request): Response }): { port: number } };

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const host = arg('host', '127.0.0.1');
const server = Bun.serve({ hostname: host, port: Number(arg('port', '0')), fetch: () => new Response('Hello, World!') });
console.log(`listening on ${host}:${server.port}`);
