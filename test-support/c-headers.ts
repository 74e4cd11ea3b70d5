// C programs compiled at test time against the installed headers: the sys
// tests check ringcore's constants and struct layouts against what the C
// compiler says, rather than against numbers copied by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  error?: Error | undefined;
}

function run(cmd: string, args: readonly string[]): CommandResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** A scratch directory (removed after the file's tests) for programs that include `includes`. */
export interface CHeaders {
  /** Why nothing can be compiled here (no C compiler, no kernel headers), or undefined. */
  readonly skipReason: string | undefined;
  /** Runs `cc args` on a file of the includes only (e.g. `-E -P`, `-dM -E`); returns its stdout. */
  preprocess(args: readonly string[]): string;
  /** Compiles and runs a program of the includes and `int main(void) { body return 0; }`; returns its stdout. */
  compileAndRun(name: string, body: string): string;
  /** The value of each of `names` (macros or enum members, as signed 64-bit numbers), from a program named `name`. */
  valuesOf(name: string, names: readonly string[]): Record<string, number>;
}

/** Compiles against `includes` (`#include` lines; <stdio.h> is added) in a directory named after `prefix`. */
export function cHeaders(prefix: string, includes: readonly string[]): CHeaders {
  const workDir = mkdtempSync(join(tmpdir(), `ringcore-${prefix}-`));
  after(() => rmSync(workDir, { recursive: true, force: true }));
  // <stdio.h> last: every program prints its values, and a feature macro the caller defines must come first.
  const head = [...includes, '#include <stdio.h>'].join('\n');
  const headers = join(workDir, 'headers.c');
  writeFileSync(headers, `${head}\nint main(void) { return 0; }\n`);

  const skipReason = ((): string | undefined => {
    const version = run('cc', ['--version']);
    if (version.error) return `no C compiler: cc: ${version.error.message}`;
    if (!version.ok) return `cc --version failed: ${version.stderr.trim()}`;
    const pre = run('cc', ['-E', headers]);
    if (!pre.ok) return `kernel headers missing (install linux-libc-dev): ${pre.stderr.trim().split('\n')[0]}`;
    return undefined;
  })();
  if (skipReason !== undefined) console.log(`${prefix} tests skipped: ${skipReason}`);

  return {
    skipReason,
    preprocess(args) {
      const out = run('cc', [...args, headers]);
      if (!out.ok) throw new Error(`cc ${args.join(' ')} failed:\n${out.stderr}`);
      return out.stdout;
    },
    compileAndRun(name, body) {
      const program = `${head}\nint main(void) {\n${body}\n  return 0;\n}\n`;
      const cFile = join(workDir, `${name}.c`);
      const exe = join(workDir, name);
      writeFileSync(cFile, program);
      const cc = run('cc', ['-std=gnu11', '-o', exe, cFile]);
      if (!cc.ok) throw new Error(`compiling ${name}.c failed:\n${cc.stderr}\n--- program ---\n${program}`);
      const out = run(exe, []);
      if (!out.ok) throw new Error(`${name} failed: ${out.stderr}`);
      return out.stdout;
    },
    valuesOf(name, names) {
      const out = this.compileAndRun(name, names.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n}));`).join('\n'));
      const values: Record<string, number> = {};
      for (const line of out.trim().split('\n')) {
        const [key, value] = line.split(' ');
        values[key!] = Number(value);
      }
      return values;
    },
  };
}
