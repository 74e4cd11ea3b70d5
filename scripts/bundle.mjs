// The package's entry points, built from tsc's output by `npm run build`.
// Node's ES module loader pays for every file it resolves, reads and compiles
// (about half a millisecond each on Node 20), and an entry point was 30 to 60
// files; then compiling the bundles was most of an import (docs/performance.md,
// "Import cost").
//
// - Rollup makes one chunk per layer (CHUNKS), CommonJS-style, in
//   dist/bundle/: every entry runs the core chunk, and ringcore/http the net
//   chunk; a chunk's exports are one object literal at its end
//   (exportsLiteral()), and no chunk builds sys/layout's tables: their
//   fields are written as numbers (layoutFields()). Each package.json
//   "exports" entry names the tsc output it is built from ("types" →
//   "default": dist/src/fs/index.d.ts, so dist/src/fs/index.js) and its ES
//   module ("module-sync": dist/bundle/fs.js).
// - The ES module is a small loader (LOADER) and the entry chunk's exports; an
//   entry that rollup makes a facade (ringcore/fs, ringcore/net: only the
//   layer chunk's exports, renamed) has the facade's code there, not a file.
//   The loader reads a chunk with readFileSync and compiles it with vm.Script,
//   with V8's code cache when scripts/code-cache.mjs made one for this V8 (at
//   the end of this script, and at the published package's install): V8 then
//   deserializes the chunk's functions instead of compiling them, which on
//   Node 20 was 10 ms of CPU of `import('ringcore/fs')` (session 15).
// - The chunks are kept in a registry on globalThis, by path, so a program
//   that imports several entries, or requires one and imports another, has
//   one copy of every module: one Ring registry, one default ring per thread,
//   one `Ring` class for instanceof.
// - A chunk's `require('node:fs')` is process.getBuiltinModule('node:fs')
//   (Node ≥ 20.16 and 22.3, Bun, Deno), or on older Node createRequire's
//   require, which compat/require.js leaves on globalThis: never an ES import
//   of a built-in, which makes its namespace and so runs every lazy getter
//   (node:fs's ReadStream loads node:stream, node:util's MIMEType its parser).
// - Node before 20.16 has no process.getBuiltinModule, and an entry cannot
//   reach node:module only there: a static import costs every Node 1 ms (its
//   namespace loads the source-map module), and a top-level await would make
//   `require('ringcore')` (require of an ES module, Node ≥ 20.19 and 22.12)
//   throw ERR_REQUIRE_ASYNC_MODULE. So each entry has a second file,
//   compat/<entry>.js: it imports compat/require.js, which imports
//   node:module, then re-exports the entry. package.json's exports give Node
//   the plain entries under the "module-sync" condition (Node ≥ 20.19 and
//   22.10, all with process.getBuiltinModule), and compat/ as "default".
// - For require() on Node that cannot require an ES module (before 20.19 and
//   22.12) and for Jest, which loads CommonJS itself: cjs/<entry>.cjs, the
//   same chunks and registry through CJS_LOADER ("require" in the exports,
//   after "module-sync" and "bun").
// - esbuild minifies whitespace and syntax; names are kept, so stack traces
//   name the source's functions. No source maps: the package ships no sources.
//   Lines are cut at about 120 characters: Node prints the source line of an
//   uncaught error, and a bundle on one line printed whole (tens of KB).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup } from 'rollup';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'src');
const outdir = path.join(root, 'dist', 'bundle');

/**
 * The chunk of a tsc output file, by its path under dist/src/ (the first pattern that matches); rollup places the
 * rest. fs-copy and fs-node are reached only through import() (fs/lazy-copy.ts: transfer(), spliceTransfer(),
 * copyFile()'s SPLICE and READ/WRITE copies; fallback/load-fs.ts: the node backend's fs), so their chunks are read
 * on first use, not with ringcore/fs (docs/performance.md, "Import cost", session 21; test/package/entry-points.test.ts
 * checks it).
 */
const CHUNKS = [
  [/^(sys|ring|op|driver|backend)\/|^trace\/env\.js$/, 'core'],
  [/^fs\/(copying|transfer|splice|range-transfer|splice-pipe|pipe-chain|linked-pairs|chain-error|room|regular-file)\.js$/, 'fs-copy'],
  [/^fallback\/fs\.js$/, 'fs-node'],
  [/^fs\/|^fallback\/load-fs\.js$/, 'fs'],
  [/^net\/|^fallback\/(net|load-net)\.js$/, 'net'],
];

const { exports } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const input = {};
/** The declarations of each entry, by path under dist/src/ without `.d.ts` (fs/index). */
const declarations = [];
for (const target of Object.values(exports)) {
  if (typeof target !== 'object') continue;
  const from = /^\.\/dist\/src\/(.+)\.d\.ts$/.exec(target.types?.default);
  const to = /^\.\/dist\/bundle\/([^/]+)\.js$/.exec(target['module-sync']);
  const keys = Object.keys(target).join();
  if (
    !from ||
    !to ||
    target.types.require !== `./dist/bundle/cjs/types/${from[1]}.d.cts` ||
    Object.keys(target.types).join() !== 'require,default' ||
    target.require !== `./dist/bundle/cjs/${to[1]}.cjs` ||
    target.default !== `./dist/bundle/compat/${to[1]}.js` ||
    target.bun !== target.default ||
    keys !== 'types,module-sync,bun,require,default'
  ) {
    throw new Error(
      `bundle: the exports entry ${JSON.stringify(target)} is not { types: { require: dist/bundle/cjs/types/X.d.cts, default: dist/src/X.d.ts }, module-sync: dist/bundle/Y.js, bun: dist/bundle/compat/Y.js, require: dist/bundle/cjs/Y.cjs, default: dist/bundle/compat/Y.js }`,
    );
  }
  input[to[1]] = path.join(built, `${from[1]}.js`);
  declarations.push(from[1]);
}

/** Calls visit(node) for every node of an ESTree AST, parents first; visit returns false to skip a node's children. */
function walk(node, visit) {
  if (Array.isArray(node)) return node.forEach((child) => walk(child, visit));
  if (node === null || typeof node !== 'object' || typeof node.type !== 'string') return;
  if (visit(node) === false) return;
  for (const key in node) if (key !== 'type' && typeof node[key] === 'object') walk(node[key], visit);
}

/** The struct layouts (sys/layout.js, tsc's output of their one source), by the name each table is exported under. */
const layouts = await import(pathToFileURL(path.join(built, 'sys', 'layout.js')).href);

/**
 * Every `TABLE.field` read of a struct layout (`SQE.opcode`, `STATX.stx_size`) written as its number, so that no
 * chunk builds the tables: core's top level spent 0.32 ms of an import making their 23 object literals
 * (docs/performance.md, "Session 30: the struct tables at import"). A table used any other way stays, and rollup
 * keeps it then.
 */
function layoutFields() {
  return {
    name: 'layout-fields',
    transform(code, id) {
      if (!code.includes('layout.js') || id === path.join(built, 'sys', 'layout.js')) return null;
      const ast = this.parse(code);
      const tables = new Map();
      for (const node of ast.body) {
        if (node.type !== 'ImportDeclaration' || !/(^|\/)layout\.js$/.test(node.source.value)) continue;
        if (path.resolve(path.dirname(id), node.source.value) !== path.join(built, 'sys', 'layout.js')) continue;
        for (const { type, imported, local } of node.specifiers) {
          if (type !== 'ImportSpecifier') throw new Error(`bundle: ${id} imports sys/layout.js other than by name`);
          tables.set(local.name, layouts[imported.name]);
        }
      }
      const edits = [];
      walk(ast.body, (node) => {
        // A name of the module's own over a table's would be read as the table.
        const declared = node.type === 'VariableDeclarator' ? [node.id] : /Function/.test(node.type) ? node.params : [];
        for (const name of declared) {
          if (name.type === 'Identifier' && tables.has(name.name)) throw new Error(`bundle: ${id} declares ${name.name}, a layout's name`);
        }
        if (node.type !== 'MemberExpression' || node.computed || node.object.type !== 'Identifier' || !tables.has(node.object.name)) return;
        const value = tables.get(node.object.name)[node.property.name];
        if (typeof value !== 'number') throw new Error(`bundle: ${id} reads ${node.object.name}.${node.property.name}, no field of its layout`);
        edits.push([node.start, node.end, String(value)]);
        return false;
      });
      let out = code;
      for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}

const build = await rollup({
  input,
  plugins: [layoutFields()],
  external: (id) => id.startsWith('node:'),
  preserveEntrySignatures: 'strict',
  // A warning (a circular import, a missing export) is a mistake in the layout: stop.
  onwarn(warning) {
    throw new Error(`bundle: rollup warns ${warning.code}: ${warning.message}`);
  },
});
const { output } = await build.generate({
  // Chunks run by the entries' loader (LOADER below), not by Node's module loaders.
  format: 'cjs',
  // Hashed like the chunks: a code cache is named after its chunk, so a changed chunk never meets an old cache.
  entryFileNames: '[name]-[hash].cjs',
  chunkFileNames: '[name]-[hash].cjs',
  // `import('./x.js')` becomes a require of the chunk in a promise: the loader has no ES module linker.
  dynamicImportInCjs: false,
  // A built-in's default import is its module.exports.
  interop: 'default',
  esModule: false,
  // ringcore/fs has a default export beside its names: it is `exports.default`, which the entries' loaders pass on.
  exports: 'named',
  generatedCode: 'es2015',
  manualChunks(id) {
    const file = path.relative(built, id);
    return CHUNKS.find(([pattern]) => pattern.test(file))?.[1];
  },
});
await build.close();

// Every chunk imports only chunks that do not import it: a chunk's exports object exists only once its code has run
// (exportsLiteral() below), so a chunk required while it runs would be seen without them.
const visit = (name, trail) => {
  if (trail.includes(name)) throw new Error(`bundle: the chunks import each other in a cycle: ${[...trail, name].join(' → ')}`);
  const { imports } = output.find((chunk) => chunk.fileName === name);
  for (const next of imports) if (!next.startsWith('node:')) visit(next, [...trail, name]);
};
for (const chunk of output) visit(chunk.fileName, []);

/**
 * Rollup's code of a chunk with its exports made as one object literal, `module.exports={...}` at the end, instead of
 * its `exports.X = X;` per export onto the `{}` it is given: core's 164 first stores to a fresh object cost 0.3 ms of an
 * import, and the chunks that read core ran their top level slower for them (docs/performance.md, "Session 29: import
 * of ringcore/fs, the exports objects"). The literal's object keeps fast properties (the other chunks read `core.X` in
 * their hot paths), and its attributes are those of the stores: writable, enumerable, configurable; a getter
 * (`constants`, node:fs's) and the `Symbol.toStringTag` rollup gives a chunk that stands for a module namespace are as
 * rollup defines them. Any other use of `exports` stops the build.
 */
function exportsLiteral(code) {
  const properties = [];
  let tagged = false;
  const rest = code
    .replace(/^Object\.defineProperty\(exports, Symbol\.toStringTag, \{ value: 'Module' \}\);$/m, () => {
      tagged = true;
      return '';
    })
    .replace(/^exports\.([\w$]+) = ([\w$.]+);$/gm, (_, name, value) => {
      properties.push(name === value ? name : `${name}:${value}`);
      return '';
    })
    .replace(/^Object\.defineProperty\(exports, "([\w$]+)", \{\n\tenumerable: true,\n\tget: \(\) => ([\w$.]+)\n\}\);$/gm, (_, name, value) => {
      properties.push(`get ${name}(){return ${value}}`);
      return '';
    });
  const literal = `{${properties.join(',')}}`;
  return `${rest}\nmodule.exports=${tagged ? `Object.defineProperty(${literal},Symbol.toStringTag,{value:"Module"})` : literal};\n`;
}

const REQUIRE = 'Symbol.for("ringcore.require")';
// A chunk's file is a CommonJS-style function expression, which the loader compiles and calls; it sets module.exports.
const CHUNK_HEAD = '(function(require,module,__filename,__dirname){';
const CHUNK_TAIL = '\n})';

// The loader at the top of each entry. It reads a chunk once per thread (the
// registry is on globalThis, keyed by the chunk's path, so every entry, and
// `require` and `import` alike, get the same instance), compiles it (a
// function expression: CHUNK_HEAD, the code, CHUNK_TAIL) with vm.Script and V8's code cache when there is one for this V8
// (dist/bundle/code-cache/<process.versions.v8>/, made by
// scripts/code-cache.mjs; V8 rejects a cache of other flags and compiles
// anyway; V8 checks only the source's length, so a cache older than its
// chunk, edited in place, is not used; nor is one made for the chunk at
// another path, named on its first line: V8 keeps the script name it was made
// with, and the stack traces of a package copied or moved after its install
// named the old place), nor one written since it was made: the first line
// also holds the file's mtime, which scripts/code-cache.mjs set, and a write
// in place moves it (V8 checks no checksum: a byte changed in place crashed
// its deserializer; a check of the data itself cost 1.5 to 15 ms of an
// import, docs/performance.md), and runs it. A chunk that throws is dropped,
// to run again next time. The cache's first line is found and read with V8's
// own Uint8Array methods and Buffer's native utf8Slice, not Buffer's indexOf,
// toString and subarray: their first calls in a process ran Node's JavaScript
// for them, 0.2 ms of CPU (docs/performance.md, "Session 31").
// scripts/code-cache.mjs collects the scripts through ringcore.codeCache.
const LOADER = `const __builtin=process.getBuiltinModule?.bind(process)??globalThis[${REQUIRE}],
__dir=__builtin("node:url").fileURLToPath(new URL(".",import.meta.url));
function __require(id){return id.startsWith("./")?__load(id.slice(2)):__builtin(id)}
function __load(name){const file=__dir+name,chunks=globalThis[Symbol.for("ringcore.chunks")]??=new Map;let module=chunks.get(file);
if(module!==void 0)return module.exports;module={};chunks.set(file,module);const{readFileSync,statSync}=__builtin("node:fs");
let cachedData;try{const cache=\`\${__dir}code-cache/\${process.versions.v8}/\${name}\`,made=statSync(cache).mtimeMs;
if(made>=statSync(file).mtimeMs){const data=readFileSync(cache),at=Uint8Array.prototype.indexOf.call(data,10);
if(at>0&&data.utf8Slice(0,at)===\`\${made} \${file}\`)cachedData=new Uint8Array(data.buffer,data.byteOffset+at+1,data.length-at-1)}}catch{}
const script=new(__builtin("node:vm").Script)(readFileSync(file,"utf8"),{filename:file,cachedData});globalThis[Symbol.for("ringcore.codeCache")]?.push({name,file,script});
try{script.runInThisContext()(__require,module,file,__dir)}catch(error){chunks.delete(file);throw error}return module.exports}
`;

// The loader of the CommonJS entries (cjs/<entry>.cjs): the same registry, so that on a Node without require() of
// ES modules a program that imports and requires ringcore still has one copy. A chunk is compiled by an indirect
// eval, in the realm of the code that requires it: under Jest, which runs each test file in a vm context, vm.Script
// would make ringcore's functions, promises and errors in Node's realm (an error is then not the test's `Error`).
// No code cache there (eval takes none); sourceURL names the chunk in stack traces.
const CJS_LOADER = `"use strict";process.getBuiltinModule||(globalThis[${REQUIRE}]??=require);
const{readFileSync}=require("node:fs"),{dirname,join}=require("node:path");
function __require(id){return id.startsWith("./")?__load(id.slice(2)):require(id)}
function __load(name){const file=join(__dirname,"..",name),chunks=globalThis[Symbol.for("ringcore.chunks")]??=new Map;
let module=chunks.get(file);if(module!==void 0)return module.exports;module={};chunks.set(file,module);
try{(0,eval)(\`\${readFileSync(file,"utf8")}
//# sourceURL=\${file}\`)(__require,module,file,dirname(file))}
catch(error){chunks.delete(file);throw error}return module.exports}
`;

rmSync(outdir, { recursive: true, force: true });
mkdirSync(path.join(outdir, 'cjs'), { recursive: true });
/** Entries with a default export (ringcore/fs): `export *` does not pass a default on, so compat/ names it. */
const withDefault = new Set();
for (const chunk of output) {
  if (/\bimport\(/.test(chunk.code)) throw new Error(`bundle: ${chunk.fileName} keeps an import(): the loader cannot run it`);
  // lineLimit: an uncaught error prints its source line, and one line per file printed the whole chunk (67 KB).
  const { code } = await esbuild.transform(exportsLiteral(chunk.code), {
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    lineLimit: 120,
  });
  if (/(?<![\w$.])exports\b(?!:)/.test(code)) throw new Error(`bundle: ${chunk.fileName} uses \`exports\` in a way exportsLiteral() does not rewrite`);
  // An entry whose modules all sit in a layer's chunk (ringcore/fs, ringcore/net) is a facade: the layer chunk's
  // exports, renamed (`{stat:fs.stat,...}`). Its code goes into the entry's ES and CommonJS modules, run there,
  // rather than into a file of its own: one chunk fewer for the import to stat, read and compile (docs/performance.md,
  // "Session 27: import of ringcore/fs").
  const facade = chunk.isEntry && Object.keys(chunk.modules).length === 0;
  // Wrapped here, not by the loader: a source built by concatenation is flattened into a copy when compiled, and
  // the copies of an entry's chunks (200 kB of the young generation) made the import's allocations overflow it: a
  // scavenge in every import (docs/performance.md, "Import cost", session 16).
  if (!facade) writeFileSync(path.join(outdir, chunk.fileName), `${CHUNK_HEAD}${code}${CHUNK_TAIL}`);
  if (!chunk.isEntry) continue;
  // The entry's ES module: the loader, then the entry chunk's exports.
  const names = chunk.exports.filter((name) => name !== 'default');
  if (chunk.exports.includes('default')) withDefault.add(chunk.name);
  const exported = [
    names.length > 0 ? `export const{${names.join(',')}}=__entry;` : '',
    withDefault.has(chunk.name) ? 'export default __entry.default;' : '',
  ].join('');
  const run = (module) => `(function(require,module){${code}\n})(__require,${module});\n`;
  const entry = facade ? `const __module={};${run('__module')}const __entry=__module.exports;\n` : `const __entry=__load(${JSON.stringify(chunk.fileName)});\n`;
  writeFileSync(path.join(outdir, `${chunk.name}.js`), `${LOADER}${entry}${exported}\n`);
  // For require() where Node cannot require an ES module (before 20.19 and 22.12) and for loaders of their own
  // (Jest): the same chunks and registry through CJS_LOADER.
  const cjsEntry = facade ? run('module') : `module.exports=__load(${JSON.stringify(chunk.fileName)});\n`;
  writeFileSync(path.join(outdir, 'cjs', `${chunk.name}.cjs`), `${CJS_LOADER}${cjsEntry}`);
}
// The entries for Node before 20.19 and 22.10 (no "module-sync" condition), some without process.getBuiltinModule.
mkdirSync(path.join(outdir, 'compat'));
writeFileSync(
  path.join(outdir, 'compat', 'require.js'),
  `import{createRequire}from"node:module";process.getBuiltinModule||(globalThis[${REQUIRE}]??=createRequire(import.meta.url));\n`,
);
for (const name of Object.keys(input)) {
  const reexport = withDefault.has(name) ? `export*from"../${name}.js";export{default}from"../${name}.js";` : `export*from"../${name}.js";`;
  writeFileSync(path.join(outdir, 'compat', `${name}.js`), `import"./require.js";${reexport}\n`);
}
// The CommonJS declarations (cjs/types/<path>.d.cts, package.json's "types" → "require"). tsc's are ES module
// declarations (.d.ts in a "type": "module" package), which a CommonJS file may not import under TypeScript's
// "module": "node16" (nor nodenext before TypeScript 5.8): TS1479, also through a .d.cts that re-exports them. So the
// same text again as .d.cts, relative specifiers ./x.js made ./x.cjs (a .d.cts then resolves them to ./x.d.cts), for
// each entry's declarations and the files they reach.
const pending = [...declarations];
const written = new Set();
while (pending.length > 0) {
  const name = pending.pop();
  if (written.has(name)) continue;
  written.add(name);
  const text = readFileSync(path.join(built, `${name}.d.ts`), 'utf8').replace(
    /(\bfrom |\bimport\()(['"])(\.\.?\/[^'"]+)\.js\2/g,
    (_, head, quote, specifier) => {
      pending.push(path.posix.join(path.posix.dirname(name), specifier));
      return `${head}${quote}${specifier}.cjs${quote}`;
    },
  );
  const left = /['"]\.\.?\/[^'"]*\.js['"]/.exec(text);
  if (left) throw new Error(`bundle: ${name}.d.ts names ${left[0]} in a way the CommonJS declarations do not rewrite`);
  const file = path.join(outdir, 'cjs', 'types', `${name}.d.cts`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
// V8's code cache of the chunks for this node (scripts/code-cache.mjs). Without the addon (not built yet) there is
// none, and the entries compile their chunks from source.
const cache = spawnSync(process.execPath, [path.join(root, 'scripts', 'code-cache.mjs'), outdir], {
  encoding: 'utf8',
  env: { ...process.env, RINGCORE_TRACE: '' },
});
if (cache.status !== 0) console.error(`bundle: no code cache (${cache.stderr.trim().split('\n').at(-1)})`);
