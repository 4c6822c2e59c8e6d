/**
 * Deterministic pseudo-random numbers (xorshift32) for simulations and tests: the same seed gives the same
 * sequence, so a run that found a problem can be replayed.
 */

/** `next(below)` is a whole number from 0 to below - 1; `next()` a 32-bit unsigned word. */
export function seeded(seed: number): (below?: number) => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return (below = 0x1_0000_0000) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}
