/**
 * One CSV field (RFC 4180): empty for null and undefined, quoted with inner quotes doubled when it holds a comma, a
 * quote or a line break, else the value as text. Every CSV the project writes goes through here.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
