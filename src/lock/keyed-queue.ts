import { remaining } from './backoff.js';

/** Lets the next waiter of the same key in. Call exactly once. */
export type QueueRelease = () => void;

// A promise chain per key: entries of one key run one at a time, in call order.
export class KeyedQueue {
  // Last entry's completion per key; removed when the chain drains, so idle keys cost nothing.
  readonly #tails = new Map<string, Promise<void>>();

  // Wait for every earlier entry of `key`; resolve with the release function, or undefined at the deadline.
  async enter(key: string, deadline: number): Promise<QueueRelease | undefined> {
    const prev = this.#tails.get(key);
    // Busy and no time to wait (timeout 0): fail without joining the chain.
    if (prev !== undefined && remaining(deadline) <= 0) return undefined;
    let release!: QueueRelease;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    // Successors wait for our predecessor and for us: if we give up early, releasing `mine`
    // at once still keeps them behind `prev`.
    const tail = prev === undefined ? mine : prev.then(() => mine);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    if (prev !== undefined && !(await settlesBefore(prev, deadline))) {
      release();
      return undefined;
    }
    return release;
  }

  // True when some entry of `key` is running or waiting.
  busy(key: string): boolean {
    return this.#tails.has(key);
  }

  // Resolve once every entry queued so far, of every key, has released.
  async drain(): Promise<void> {
    await Promise.all([...this.#tails.values()]);
  }
}

// Resolve true when `p` settles before the deadline, false otherwise.
function settlesBefore(p: Promise<void>, deadline: number): Promise<boolean> {
  const left = remaining(deadline);
  if (left === Infinity) return p.then(() => true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(left, 0));
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
