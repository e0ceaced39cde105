/**
 * Small helpers of the monitor and the overview: spacing out costly reads, and a pause between
 * polls that closing cuts short.
 */

/** Spaces out a costly read: next one after `factor` times its own duration, within bounds. */
export class Spacing {
  #next = 0;
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly factor = 10,
  ) {}
  due(now: number): boolean {
    return now >= this.#next;
  }
  took(start: number, now: number): void {
    this.#next = now + Math.min(this.maxMs, Math.max(this.minMs, (now - start) * this.factor));
  }
}

/** The pause between two polls; `wake()` ends it early (a close, a new listener). */
export class Pause {
  #wake: (() => void) | undefined;
  for(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  wake(): void {
    this.#wake?.();
  }
}
