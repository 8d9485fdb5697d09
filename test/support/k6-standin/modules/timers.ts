// Stand-in for `k6/timers`: setTimeout and friends on the virtual clock (see virtual-timers.ts).
import { host } from '../host';

export function setTimeout(fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]): number {
  return host().timers.schedule(delay ?? 0, () => fn(...args));
}

export function clearTimeout(id: number): void {
  host().timers.clear(id);
}

export function setInterval(): never {
  throw new Error('k6 stand-in: setInterval is not supported (add it to test/support/k6-standin/modules/timers.ts)');
}

export const clearInterval = clearTimeout;

export default { setTimeout, clearTimeout, setInterval, clearInterval };
