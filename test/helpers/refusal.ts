import { expect } from 'vitest';

/**
 * Awaits `p` and returns the error it rejects with; fails the test if it resolves. With `type`, also
 * checks the error is an instance of it.
 */
export async function refusal<E extends Error = Error & { wireCode?: string }>(
  p: Promise<unknown>, type?: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await p;
  } catch (e) {
    if (type) expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error('expected a refusal, but the call succeeded');
}
