/** xorshift32 from `seed`: `rnd(n)` is in [0, n). Deterministic, so a failing test replays. */
export function seededRandom(seed: number): (n: number) => number {
  return (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
}
