// Waits for a benchmark's member to reach a state by reading it again with a doubling pause. Every
// read is a query the worker answers, so reading fast would compete with the work being measured.
import { setTimeout as sleep } from 'node:timers/promises';

/** Reads until `done` holds: at once, then after `first`, 2×`first`… ms (at most `most`). */
export async function readUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { first, most }: { first: number; most: number },
): Promise<T> {
  for (let pause = first; ; pause = Math.min(pause * 2, most)) {
    const value = await read();
    if (done(value)) return value;
    await sleep(pause);
  }
}
