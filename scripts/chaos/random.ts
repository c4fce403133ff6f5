/** A seeded pseudo-random source (mulberry32), so a run's plan can be repeated with `--seed`. */
export interface Random {
  next(): number;
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(weighted: readonly (readonly [T, number])[]): T;
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick(weighted) {
      const total = weighted.reduce((sum, [, w]) => sum + w, 0);
      let roll = next() * total;
      for (const [value, weight] of weighted) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return weighted.at(-1)![0];
    },
  };
}
