// Stand-in for the `k6` module: sleep advances the virtual clock; check and group run inline.
import { host } from '../host';

export function sleep(seconds: number): void {
  if (!(seconds >= 0)) throw new Error(`sleep(${seconds}): k6 needs a number of seconds >= 0`);
  host().clock.nowMs += seconds * 1000;
}

export function check<T>(value: T, sets: Record<string, (v: T) => boolean>): boolean {
  let all = true;
  for (const name of Object.keys(sets)) if (!sets[name](value)) all = false;
  return all;
}

export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

export default { sleep, check, group, fail };
