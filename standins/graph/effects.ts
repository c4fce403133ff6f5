/** The effects the stand-in applied, counted per entity (user UPN, IP, machine DNS name) and action. */

export interface Effects {
  /** counts[entity][action]. */
  counts: Record<string, Record<string, number>>;
  log: { entity: string; action: string; at: number }[];
  count(entity: string, action: string): void;
  countOf(entity: string, action: string): number;
  /** Empties `counts` and `log` in place. */
  clear(): void;
}

export function createEffects(): Effects {
  const counts: Record<string, Record<string, number>> = {};
  const log: { entity: string; action: string; at: number }[] = [];
  return {
    counts,
    log,
    count(entity, action) {
      const perEntity = (counts[entity] ??= {});
      perEntity[action] = (perEntity[action] ?? 0) + 1;
      log.push({ entity, action, at: Date.now() });
    },
    countOf: (entity, action) => counts[entity]?.[action] ?? 0,
    clear() {
      log.length = 0;
      for (const key of Object.keys(counts)) delete counts[key];
    },
  };
}
