// The outside tools that mark the limit in some rows (fio, wrk, nginx, Bun),
// where to find them, and how to install them. A run that needs one declares
// it (RunSpec.requires); when it is missing, run.ts skips the run and the row
// says what to do. `npm run bench -- --setup` installs them all (setup.ts).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..'); // dist/bench/lib → repo

/** Bun is installed from the npm registry here, not into the project's package.json. */
export const TOOLS_DIR = path.join(root, 'bench', '.tools');

export interface Reference {
  name: string;
  /** What it is the limit reference for. */
  role: string;
  /** Debian package, installed with apt-get. */
  apt?: string;
  /** npm package, installed into TOOLS_DIR. */
  npm?: string;
}

export const REFERENCES: readonly Reference[] = [
  { name: 'fio', role: 'random reads (fio --ioengine=io_uring)', apt: 'fio' },
  { name: 'wrk', role: 'the HTTP load generator', apt: 'wrk' },
  { name: 'nginx', role: 'HTTP hello world (nginx)', apt: 'nginx' },
  { name: 'bun', role: 'HTTP hello world (Bun.serve)', npm: 'bun' },
];

// nginx lives in /usr/sbin, which is not on every user's PATH.
const SEARCH = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of a tool's executable, or undefined when it is not installed. */
export function findTool(name: string): string | undefined {
  const local = path.join(TOOLS_DIR, 'node_modules', '.bin', name);
  if (executable(local)) return local;
  for (const dir of SEARCH) {
    const file = path.join(dir, name);
    if (executable(file)) return file;
  }
  return undefined;
}

/** How to install one tool, in words a reader can paste. */
export function installHint(name: string): string {
  const ref = REFERENCES.find((r) => r.name === name);
  const how =
    ref?.apt !== undefined ? `apt-get install ${ref.apt}` : ref?.npm !== undefined ? `npm install --prefix bench/.tools ${ref.npm}` : `install ${name}`;
  return `${name} is not installed: run \`npm run bench -- --setup\` (or \`${how}\`)`;
}

/** The tools among `names` that are not installed. */
export function missingTools(names: readonly string[] = []): string[] {
  return names.filter((name) => findTool(name) === undefined);
}
