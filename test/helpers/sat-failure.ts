import { expect } from 'vitest';
import { SatError } from '../../pipeline/core/errors.js';

/** The SatError a promise rejects with (the test fails if it resolves or rejects with anything else). */
export async function satFailure(promise: Promise<unknown>): Promise<SatError> {
  const err = await promise.then(
    () => null,
    (e) => e,
  );
  expect(err, 'expected a failure').toBeInstanceOf(SatError);
  return err as SatError;
}
