/**
 * Bounds the alerts handed to Temporal at once. A burst waits in a bounded queue; past that the intake sheds load with
 * 429 instead of piling thousands of concurrent starts onto the server (which can stall a dev server).
 */
export class OverloadedError extends Error {
  override name = 'OverloadedError';
}

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting)
        throw new OverloadedError(`${this.waiting.length} alerts are already waiting for Temporal`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays at the limit while anyone waits.
      if (next) next();
      else this.active--;
    }
  }
}
