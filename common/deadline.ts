/**
 * Bounds a promise in wall-clock time, whatever it waits on: an SDK call that keeps re-polling after its gRPC
 * deadline must not hold a caller (a SIEM's connection, an intake slot) forever. Rejects with `onTimeout()`.
 */
export function within<T>(ms: number, work: Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
