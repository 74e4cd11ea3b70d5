// The package's entry points as ES module bundles, built from tsc's output by
// `npm run build`. Node's ES module loader pays for every file it resolves,
// reads and compiles (about half a millisecond each on Node 20), and an entry
// point was 30 to 60 files (docs/performance.md, "Import cost").
//
// - One bundle per entry of package.json's "exports", in dist/bundle/: its
//   "types" names the tsc output it is built from (dist/src/fs/index.d.ts:
//   dist/src/fs/index.js), its "default" the bundle.
// - The entries share chunks (rollup), so a program that imports several of
//   them has one copy of every module: one Ring registry, one default ring
//   per thread, one `Ring` class for instanceof. The chunks follow the
//   layers (CHUNKS): every entry imports the core chunk, and ringcore/http
//   the net chunk. A layer's fallback (src/fallback/) goes with the layer.
// - `import { constants } from 'node:fs'` becomes
//   `const { constants } = __builtin('node:fs')`, at the top of the file. An
//   ES import of a built-in makes its namespace, which reads every export and
//   so runs every lazy getter: node:fs's ReadStream loads node:stream,
//   node:util's MIMEType its parser. __builtin is process.getBuiltinModule
//   (Node ≥ 20.16 and 22.3, Bun, Deno), or on older Node createRequire's
//   require, which compat/require.js (below) leaves on globalThis.
//   `import * as x` (a namespace wants every export) stays an import.
// - Node before 20.16 has no process.getBuiltinModule, and a bundle cannot
//   reach node:module only there: a static import costs every Node 1 ms (its
//   namespace loads the source-map module), and a top-level await would make
//   `require('ringcore')` (require of an ES module, Node ≥ 20.19 and 22.12)
//   throw ERR_REQUIRE_ASYNC_MODULE. So each entry has a second file,
//   compat/<entry>.js: it imports compat/require.js, which imports
//   node:module, then re-exports the entry. package.json's exports give Node
//   the plain bundles under the "module-sync" condition (Node ≥ 20.19 and
//   22.10, all with process.getBuiltinModule), and compat/ as "default".
// - esbuild minifies whitespace and syntax; names are kept, so stack traces
//   name the source's functions. No source maps: the package ships no sources.
//   Lines are cut at about 120 characters: Node prints the source line of an
//   uncaught error, and a bundle on one line printed whole (tens of KB).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup } from 'rollup';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'src');
const outdir = path.join(root, 'dist', 'bundle');

/** The chunk of a tsc output file, by its path under dist/src/; rollup places the rest. */
const CHUNKS = [
  [/^(sys|ring|op|driver|backend)\/|^trace\/env\.js$/, 'core'],
  [/^fs\/|^fallback\/(fs|load-fs)\.js$/, 'fs'],
  [/^net\/|^fallback\/(net|load-net)\.js$/, 'net'],
];

const { exports } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const input = {};
for (const target of Object.values(exports)) {
  if (typeof target !== 'object') continue;
  const from = /^\.\/dist\/src\/(.+)\.d\.ts$/.exec(target.types);
  const to = /^\.\/dist\/bundle\/([^/]+)\.js$/.exec(target['module-sync']);
  const keys = Object.keys(target).join();
  if (!from || !to || target.default !== `./dist/bundle/compat/${to[1]}.js` || keys !== 'types,module-sync,default') {
    throw new Error(
      `bundle: the exports entry ${JSON.stringify(target)} is not { types: dist/src/X.d.ts, module-sync: dist/bundle/Y.js, default: dist/bundle/compat/Y.js }`,
    );
  }
  input[to[1]] = path.join(built, `${from[1]}.js`);
}

const build = await rollup({
  input,
  external: (id) => id.startsWith('node:'),
  preserveEntrySignatures: 'strict',
  // A warning (a circular import, a missing export) is a mistake in the layout: stop.
  onwarn(warning) {
    throw new Error(`bundle: rollup warns ${warning.code}: ${warning.message}`);
  },
});
const { output } = await build.generate({
  format: 'es',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  // No `import 'node:x'` for what a chunk's chunks import: it would make the built-in's namespace.
  hoistTransitiveImports: false,
  manualChunks(id) {
    const file = path.relative(built, id);
    return CHUNKS.find(([pattern]) => pattern.test(file))?.[1];
  },
});
await build.close();

// An import of a built-in as esbuild prints it: `import{a as b,c}from"node:x";`, `import d from"node:x";`.
const NAMED = /import\s*(?:([\w$]+)\s*,\s*)?\{([^}]*)\}\s*from\s*"(node:[^"]+)";?/g;
const DEFAULT = /import\s+([\w$]+)\s+from\s*"(node:[^"]+)";?/g;
const REQUIRE = 'Symbol.for("ringcore.require")';
const HELPER = `const __builtin=process.getBuiltinModule?.bind(process)??globalThis[${REQUIRE}];`;

function fromBuiltins(text) {
  const declarations = [];
  const load = (id) => `__builtin(${JSON.stringify(id)})`;
  let rest = text.replace(NAMED, (_, name, fields, id) => {
    if (name) declarations.push(`const ${name}=${load(id)};`);
    const pattern = fields
      .split(',')
      .map((field) => field.trim())
      .filter((field) => field !== '')
      .map((field) => field.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1:$2'));
    declarations.push(`const{${pattern.join(',')}}=${load(id)};`);
    return '';
  });
  rest = rest.replace(DEFAULT, (_, name, id) => {
    declarations.push(`const ${name}=${load(id)};`);
    return '';
  });
  const left = rest.match(/(?:import|export)[^;]*?from\s*"node:[^"]+"/g)?.filter((statement) => !/^import\s*\*\s*as\s/.test(statement)) ?? [];
  if (left.length > 0) throw new Error(`bundle: an import of a built-in this script does not rewrite: ${left.join('; ')}`);
  return declarations.length === 0 ? text : HELPER + declarations.join('') + rest;
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
for (const chunk of output) {
  // lineLimit: an uncaught error prints its source line, and one line per file printed the whole chunk (67 KB).
  const { code } = await esbuild.transform(chunk.code, {
    format: 'esm',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    lineLimit: 120,
  });
  writeFileSync(path.join(outdir, chunk.fileName), fromBuiltins(code));
}
// The entries for Node before 20.19 and 22.10 (no "module-sync" condition), some without process.getBuiltinModule.
mkdirSync(path.join(outdir, 'compat'));
writeFileSync(
  path.join(outdir, 'compat', 'require.js'),
  `import{createRequire}from"node:module";process.getBuiltinModule||(globalThis[${REQUIRE}]??=createRequire(import.meta.url));\n`,
);
for (const name of Object.keys(input)) {
  writeFileSync(path.join(outdir, 'compat', `${name}.js`), `import"./require.js";export*from"../${name}.js";\n`);
}
