// Maps a request path to a file under the root, or refuses it. The request
// path is decoded one segment at a time, strictly: a bad %-escape, a byte
// sequence that is not UTF-8 (overlong forms like %c0%ae included: the fatal
// decoder refuses them), or a segment that decodes to "." or "..", or that
// holds "/", "\" or NUL, refuses the whole path. What is left cannot name
// anything outside the root by its spelling; symlinks are checked after the
// open (see file_server.ts), on the file actually opened.
import path from 'node:path';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** One path segment, percent-decoded and UTF-8-checked; null when malformed. */
function decodeSegment(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 37) {
      bytes.push(c);
      continue;
    }
    const hi = hex(raw.charCodeAt(i + 1));
    const lo = hex(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return null;
    bytes.push(hi * 16 + lo);
    i += 2;
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

/**
 * The file path for `pathname` (the raw path of the request target) under
 * `root` (an absolute, real path), or null to refuse it (403).
 */
export function resolveUnder(root: string, pathname: string): string | null {
  if (pathname.charCodeAt(0) !== 47) return null;
  const parts: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    const segment = decodeSegment(raw);
    if (segment === null || segment === '.' || segment === '..') return null;
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return null;
    parts.push(segment);
  }
  const full = path.join(root, ...parts);
  // Belt and braces: nothing above can climb out, and this says so.
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return full;
}
