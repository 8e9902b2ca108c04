/**
 * Errors the user can act on (bad input, missing file, unsupported format...).
 * The CLI prints their message without a stack trace and exits non-zero;
 * anything that is not a SatError is a bug and is printed with its stack.
 */
export type SatErrorCode =
  | 'E_INPUT' // the user's input is wrong (bad flag, invalid GeoJSON, AOI outside the scene)
  | 'E_NOT_FOUND' // a file or URL does not exist or cannot be reached
  | 'E_FORMAT' // a file is corrupt or truncated
  | 'E_UNSUPPORTED' // a valid file uses something we do not support (compression, dtype)
  | 'E_CONFIG' // configuration failed validation
  | 'E_LIMIT'; // a size or resource limit was exceeded

export class SatError extends Error {
  readonly code: SatErrorCode;

  constructor(code: SatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SatError';
    this.code = code;
  }
}

export function isSatError(err: unknown): err is SatError {
  return err instanceof SatError;
}

/** Exit codes of the CLI: 1 for an expected error, 2 for a usage error, 70 for a bug. */
export function exitCodeFor(err: unknown): number {
  if (isSatError(err)) return err.code === 'E_INPUT' || err.code === 'E_CONFIG' ? 2 : 1;
  return 70;
}
