/**
 * Why a text is not JSON, without quoting it: V8's messages carry the start of the text ("hello worl"...), which is
 * the file's content, not something an error message (or an API user) should see. Keeps the position when V8 gives one.
 */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /position (\d+)/.exec(message);
  if (/Unexpected end of JSON input/.test(message)) return 'the text ends too early';
  return position ? `unexpected text at byte ${position[1]}` : 'unexpected text';
}
