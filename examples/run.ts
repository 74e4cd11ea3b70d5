// Runs one example: `npm run example -- <name> [args]`.
// Every examples/<name>.ts exports `main(args)`; this file finds it, and
// reports what it throws.
// The list of names is read from this directory, so a new example needs no
// registration here, and nothing but a listed name is ever imported.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

type Example = { main?: (args: string[]) => unknown };

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((file) => file.endsWith('.js') && file !== 'run.js')
  .map((file) => file.slice(0, -'.js'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !names.includes(name)) {
  if (name !== undefined) console.error(`unknown example: ${name}`);
  console.error(`usage: npm run example -- <name> [args]\nexamples: ${names.join(', ')}`);
  process.exit(2);
}

const example = (await import(`./${name}.js`)) as Example;
if (typeof example.main !== 'function') {
  console.error(`examples/${name}.ts does not export main(args)`);
  process.exit(2);
}
// A failure is one line on stderr, as coreutils print it ("cat: ENOENT: no
// such file or directory, open 'x'"), and a non-zero exit; a usage error
// (an Error whose message starts with "usage:") exits 2.
try {
  await example.main(args);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const usage = message.startsWith('usage:');
  console.error(usage ? message : `${name}: ${message}`);
  process.exit(usage ? 2 : 1);
}
