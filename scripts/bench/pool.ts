/** Runs `work(0..count-1)` with at most `parallel` in flight; resolves to the wall time it took, in ms. */
export async function pool(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
  return performance.now() - started;
}
