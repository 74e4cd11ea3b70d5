// A single byte range (RFC 9110 14.1.2): "bytes=a-b", "bytes=a-", "bytes=-n".
// Several ranges, or a header that does not parse, are ignored (a 200 with the
// whole file), as the RFC allows; a range that starts past the end is 416.

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

function digits(s: string): number {
  if (s.length === 0 || s.length > 15) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return Number(s);
}

/** The inclusive byte range asked for in a file of `size` bytes; null: serve it whole. */
export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return null;
  const value = header.trim();
  if (!value.startsWith('bytes=') || value.includes(',')) return null;
  const spec = value.slice(6).trim();
  const dash = spec.indexOf('-');
  if (dash < 0) return null;
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  if (first === '') {
    const n = digits(last);
    if (n < 0) return null;
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = digits(first);
  const end = last === '' ? Infinity : digits(last);
  if (start < 0 || end < 0 || end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
