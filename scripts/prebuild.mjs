// Builds the N-API binaries that ship inside the npm package, so that users
// need no compiler: prebuilds/<platform>-<arch>[-musl]/ringcore.node for
// linux-x64 and linux-arm64, each for glibc and musl (the layout
// src/sys/native.ts loads from).
//
// It compiles whatever binding.gyp lists (sources, cflags, defines, libraries) with
// Debian's GCC for each target against Node's own headers (node_api.h, uv.h;
// both are ABI-stable, and every symbol they declare is exported by the node
// binary, so the addon links against libc alone):
//   glibc: <triplet>-gcc (gcc, gcc-aarch64-linux-gnu), with a version floor:
//          a libc symbol newer than GLIBC_FLOOR is pinned to its oldest
//          version, so the binary loads wherever Node itself does;
//   musl:  the same gcc with musl's headers and libc.so from Debian's
//          musl-dev/musl packages for that architecture (downloaded with
//          apt-get download and unpacked into node_modules/.cache, not installed);
//          each is then loaded by musl's own dynamic linker (under qemu-user
//          for another architecture), since no musl Node is on npm.
// Every binary's ELF machine, class and needed libraries are checked.
// Missing Debian packages are installed with apt-get when running as root.
//
// Usage: node scripts/prebuild.mjs [--target NAME]... [--check]
//   --target linux-arm64-musl   build only these targets (default: all four)
//   --check                     build nothing; fail unless every binary is present and right
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'ringcore-prebuild');
/** Node ≥ 20's own floor for its official linux binaries. */
const GLIBC_FLOOR = [2, 28];

const ARCHES = {
  x64: { triplet: 'x86_64-linux-gnu', musl: 'x86_64-linux-musl', deb: 'amd64', machine: 'Advanced Micro Devices X86-64', elfClass: 'ELF64' },
  arm64: { triplet: 'aarch64-linux-gnu', musl: 'aarch64-linux-musl', deb: 'arm64', machine: 'AArch64', elfClass: 'ELF64' },
};
export const TARGETS = ['linux-x64', 'linux-x64-musl', 'linux-arm64', 'linux-arm64-musl'].map((name) => {
  const [, arch, libc = 'glibc'] = name.split('-');
  return { name, arch, libc, ...ARCHES[arch], file: path.join(root, 'prebuilds', name, 'ringcore.node') };
});

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function hostDebArch() {
  return spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout?.trim();
}

let aptUpdated = false;
function aptUpdate() {
  if (aptUpdated) return;
  run('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  aptUpdated = true;
}

function aptInstall(packages) {
  if (!has('apt-get') || process.getuid?.() !== 0) {
    throw new Error(`prebuild: missing ${packages.join(' ')}; install them (Debian/Ubuntu: apt-get install ${packages.join(' ')})`);
  }
  aptUpdate();
  console.log(`prebuild: apt-get install ${packages.join(' ')}`);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * The target's gcc, installed when missing (`gcc` is the native one on its own architecture).
 * A cross gcc also needs the target's glibc headers (libc6-dev-<arch>-cross), which Debian
 * only recommends, and aptInstall skips recommends.
 */
function compiler(target) {
  const cc = `${target.triplet}-gcc`;
  const native = hostDebArch() === target.deb;
  const missing = [];
  if (!has(cc)) missing.push(native ? 'gcc' : `gcc-${target.triplet.replaceAll('_', '-')}`);
  if (!native && !existsSync(`/usr/${target.triplet}/include/errno.h`)) missing.push(`libc6-dev-${target.deb}-cross`);
  if (missing.length > 0) aptInstall(missing);
  return cc;
}

/** A directory holding musl's headers and libc.so for the target, unpacked from Debian's packages. */
function muslSysroot(target) {
  const sysroot = path.join(cacheDir, `musl-${target.deb}`);
  const libc = path.join(sysroot, 'lib', target.musl, 'libc.so');
  if (existsSync(libc)) return sysroot;
  if (!has('apt-get')) throw new Error('prebuild: the musl targets need Debian packages (musl-dev) and apt-get');
  if (target.deb !== hostDebArch()) {
    const foreign = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' }).stdout ?? '';
    if (!foreign.split('\n').includes(target.deb)) {
      if (process.getuid?.() !== 0) throw new Error(`prebuild: run as root, or run dpkg --add-architecture ${target.deb} && apt-get update`);
      run('dpkg', ['--add-architecture', target.deb]);
      aptUpdated = false;
    }
  }
  const download = mkdtempSync(path.join(tmpdir(), 'ringcore-musl-'));
  try {
    const fetch = () => spawnSync('apt-get', ['download', '-qq', `musl:${target.deb}`, `musl-dev:${target.deb}`], { cwd: download, encoding: 'utf8' });
    let result = fetch();
    if (result.status !== 0) {
      aptUpdate();
      result = fetch();
    }
    if (result.status !== 0) throw new Error(`prebuild: apt-get download musl-dev:${target.deb} failed: ${result.stderr.trim()}`);
    mkdirSync(sysroot, { recursive: true });
    for (const deb of readdirSync(download)) run('dpkg-deb', ['-x', path.join(download, deb), sysroot]);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  return sysroot;
}

/** node_api.h and uv.h, from the running Node's own install. */
function nodeHeaders() {
  const dir = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  if (!existsSync(path.join(dir, 'node_api.h')) || !existsSync(path.join(dir, 'uv.h'))) {
    throw new Error(
      `prebuild: Node's headers are not at ${dir} (node_api.h, uv.h); run with a Node installed from an official tarball or distribution package`,
    );
  }
  return dir;
}

/** sources, cflags, defines and link flags as binding.gyp gives them to node-gyp: one list for both builds. */
function gypTarget() {
  const gyp = JSON.parse(readFileSync(path.join(root, 'binding.gyp'), 'utf8'));
  const target = gyp.targets.find((t) => t.target_name === 'ringcore');
  return {
    sources: target.sources.map((s) => path.join(root, s)),
    cflags: target.cflags ?? [],
    defines: [...(target.defines ?? []), `NODE_GYP_MODULE_NAME=${target.target_name}`, 'BUILDING_NODE_EXTENSION'],
    ldflags: [...(target.ldflags ?? []), ...(target.libraries ?? [])],
  };
}

/** GLIBC_x.y versions the binary needs, as [major, minor] pairs. */
function glibcVersionsNeeded(file) {
  const text = run('readelf', ['-W', '--version-info', file]);
  return [...new Set([...text.matchAll(/Name: GLIBC_(\d+)\.(\d+)/g)].map((m) => `${m[1]}.${m[2]}`))].map((v) => v.split('.').map(Number));
}

const newer = (a, b) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** `.symver` lines binding each libc symbol that needs a version above the floor to its oldest version. */
export function pinnedSymbols(cc, file) {
  const needed = run('readelf', ['-W', '--dyn-syms', file]);
  const libc = run('readelf', ['-W', '--dyn-syms', run(cc, ['-print-file-name=libc.so.6']).trim()]);
  const lines = [];
  for (const [, name, major, minor] of needed.matchAll(/ UND (\w+)@GLIBC_(\d+)\.(\d+)/g)) {
    if (!newer([+major, +minor], GLIBC_FLOOR)) continue;
    const versions = [...libc.matchAll(new RegExp(` ${name}@@?GLIBC_(\\d+)\\.(\\d+)(?:\\.\\d+)?\\b`, 'g'))].map((m) => [+m[1], +m[2], m[0].split('GLIBC_')[1]]);
    const oldest = versions.sort((a, b) => a[0] - b[0] || a[1] - b[1])[0];
    if (oldest === undefined || newer(oldest, GLIBC_FLOOR))
      throw new Error(`prebuild: ${name} needs GLIBC_${major}.${minor}, above the floor ${GLIBC_FLOOR.join('.')}`);
    lines.push(`__asm__(".symver ${name},${name}@GLIBC_${oldest[2]}");`);
  }
  return lines;
}

function compileAndLink(cc, out, extraFlags) {
  const gyp = gypTarget();
  const common = ['-fPIC', '-fvisibility=hidden', ...gyp.cflags, ...gyp.defines.map((d) => `-D${d}`), ...extraFlags.compile, `-I${nodeHeaders()}`];
  const objects = gyp.sources.map((source, i) => {
    const object = `${out}.${i}.o`;
    run(cc, [...common, '-c', source, '-o', object], { stdio: 'inherit' });
    return object;
  });
  const ldflags = gyp.ldflags.filter((flag) => !extraFlags.inLibc?.test(flag));
  run(cc, ['-shared', '-s', '-Wl,-soname,ringcore.node', '-Wl,-z,noexecstack', '-o', out, ...objects, ...ldflags, ...extraFlags.link], { stdio: 'inherit' });
  for (const object of objects) rmSync(object);
}

function build(target) {
  const cc = compiler(target);
  const work = mkdtempSync(path.join(tmpdir(), `ringcore-${target.name}-`));
  const out = path.join(work, 'ringcore.node');
  try {
    if (target.libc === 'musl') {
      const sysroot = muslSysroot(target);
      compileAndLink(cc, out, {
        compile: muslCompileFlags(cc, sysroot, target),
        // libc.so has no soname, so -lc records NEEDED "libc.so", a name musl's loader resolves to itself.
        link: ['-nostdlib', `-L${path.join(sysroot, 'lib', target.musl)}`, '-lc', '-lgcc'],
        // musl's libc.so is also its libpthread, libdl, librt and libm.
        inLibc: /^-l(pthread|dl|rt|m)$/,
      });
    } else {
      compileAndLink(cc, out, { compile: ['-pthread'], link: ['-pthread'] });
      const pins = pinnedSymbols(cc, out);
      if (pins.length > 0) {
        const header = path.join(work, 'glibc-floor.h');
        writeFileSync(header, `${pins.join('\n')}\n`);
        console.log(`prebuild: ${target.name}: pinned to old glibc versions:\n  ${pins.join('\n  ')}`);
        compileAndLink(cc, out, { compile: ['-pthread', '-include', header], link: ['-pthread'] });
      }
    }
    verify(target, out);
    if (target.libc === 'musl' && loadsUnderMusl(target, cc, muslSysroot(target), out)) {
      console.log(`prebuild: ${target.name}: loads under musl's dynamic linker`);
    } else if (target.libc === 'musl') {
      console.log(`prebuild: ${target.name}: not loaded (no qemu-${target.triplet.split('-')[0]}-static here)`);
    }
    mkdirSync(path.dirname(target.file), { recursive: true });
    copyFileSync(out, target.file);
    console.log(`prebuild: ${path.relative(root, target.file)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Loads a musl binary with musl's own dynamic linker (natively, or under
 * qemu-user for another architecture), as a musl Node would: every libc
 * symbol must resolve in musl. No musl Node is on npm, so the host is a small
 * C program that exports a do-nothing stand-in for each N-API and libuv
 * function the binary imports (normally the node binary's), dlopens it with
 * RTLD_NOW and finds its module entry point. Returns false when this machine
 * cannot run the target's code (no qemu-user, and no root to install it).
 */
export function loadsUnderMusl(target, cc, sysroot, file) {
  const emulator = target.deb === hostDebArch() ? [] : [`qemu-${target.triplet.split('-')[0]}-static`];
  if (emulator.length > 0 && !has(emulator[0])) {
    if (!has('apt-get') || process.getuid?.() !== 0) return false;
    aptInstall(['qemu-user-static']);
  }
  const imports = [...run('readelf', ['-W', '--dyn-syms', file]).matchAll(/ UND ((?:napi_|node_api_|uv_)\w+)/g)].map((m) => m[1]);
  const work = mkdtempSync(path.join(tmpdir(), 'ringcore-musl-host-'));
  try {
    const source = path.join(work, 'host.c');
    writeFileSync(
      source,
      [
        '#include <dlfcn.h>',
        '#include <stdio.h>',
        ...imports.map((name) => `void ${name}(void) {}`),
        'int main(int argc, char **argv) {',
        '  void *addon = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);',
        '  if (!addon) { printf("%s\\n", dlerror()); return 1; }',
        '  if (!dlsym(addon, "napi_register_module_v1")) { printf("no napi_register_module_v1\\n"); return 1; }',
        '  printf("loaded\\n");',
        '  return 0;',
        '}',
      ].join('\n'),
    );
    const lib = path.join(sysroot, 'usr', 'lib', target.musl);
    const host = path.join(work, 'host');
    run(cc, [
      ...muslCompileFlags(cc, sysroot, target),
      '-fPIE',
      '-o',
      host,
      source,
      '-nostdlib',
      '-pie',
      '-Wl,--export-dynamic',
      path.join(lib, 'Scrt1.o'),
      path.join(lib, 'crti.o'),
      `-L${path.join(sysroot, 'lib', target.musl)}`,
      '-lc',
      '-lgcc',
      path.join(lib, 'crtn.o'),
    ]);
    // musl's libc.so is also its dynamic linker, and runs a program given to it.
    const loader = path.join(sysroot, 'lib', target.musl, 'libc.so');
    const result = spawnSync(emulator[0] ?? loader, [...(emulator.length > 0 ? [loader] : []), host, file], { encoding: 'utf8' });
    if (result.stdout.trim() !== 'loaded') throw new Error(`prebuild: ${file} does not load under musl: ${result.stdout.trim()}${result.stderr.trim()}`);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function muslCompileFlags(cc, sysroot, target) {
  return ['-nostdinc', '-isystem', path.join(sysroot, 'usr', 'include', target.musl), '-isystem', run(cc, ['-print-file-name=include']).trim()];
}

/** Throws unless file is a shared object for the target's machine that needs nothing but its libc. */
export function verify(target, file) {
  const header = run('readelf', ['-h', file]);
  const machine = /Machine:\s+(.*)/.exec(header)?.[1].trim();
  const elfClass = /Class:\s+(\S+)/.exec(header)?.[1];
  const type = /Type:\s+(\S+)/.exec(header)?.[1];
  if (machine !== target.machine || elfClass !== target.elfClass || type !== 'DYN') {
    throw new Error(`prebuild: ${file} is ${elfClass} ${type} for ${machine}, not ELF64 DYN for ${target.machine}`);
  }
  const needed = [...run('readelf', ['-d', file]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const libc = target.libc === 'musl' ? /^libc\.so$/ : /^lib(c\.so\.6|pthread\.so\.0|dl\.so\.2|rt\.so\.1|m\.so\.6)$/;
  if (!needed.every((name) => libc.test(name))) throw new Error(`prebuild: ${file} needs ${needed.join(', ')}: more than ${target.libc}`);
  const versions = glibcVersionsNeeded(file);
  if (target.libc === 'musl' && versions.length > 0) throw new Error(`prebuild: ${file} (musl) has glibc symbol versions`);
  const tooNew = versions.filter((v) => newer(v, GLIBC_FLOOR));
  if (tooNew.length > 0) throw new Error(`prebuild: ${file} needs GLIBC_${tooNew.map((v) => v.join('.')).join(', GLIBC_')}, above ${GLIBC_FLOOR.join('.')}`);
}

function main(argv) {
  const names = argv.flatMap((arg, i) => (argv[i - 1] === '--target' ? [arg] : []));
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`prebuild: unknown target ${unknown.join(', ')} (known: ${TARGETS.map((t) => t.name).join(', ')})`);
  const targets = names.length === 0 ? TARGETS : TARGETS.filter((t) => names.includes(t.name));
  if (argv.includes('--check')) {
    for (const target of targets) {
      if (!existsSync(target.file)) throw new Error(`prebuild: ${path.relative(root, target.file)} is missing; run npm run prebuilds`);
      verify(target, target.file);
    }
    console.log(`prebuild: ${targets.map((t) => t.name).join(', ')} present and well-formed`);
    return;
  }
  for (const target of targets) build(target);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
