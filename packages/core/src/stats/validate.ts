import { SelfjError } from '../errors.js';

/** Checks that metric inputs are equal-length arrays of finite numbers; names the argument on failure. */
export function checkPairedNumbers(fn: string, x: ArrayLike<number>, y: ArrayLike<number>, minLength = 1): void {
  if (x.length !== y.length) {
    throw new SelfjError('BAD_INPUT', `${fn}: the two inputs differ in length (${x.length} vs ${y.length}).`, {
      solutions: ['Pass one score per item in each array, in the same order.'],
    });
  }
  if (x.length < minLength) {
    throw new SelfjError('BAD_INPUT', `${fn}: needs at least ${minLength} items, got ${x.length}.`);
  }
  checkFinite(fn, 'first input', x);
  checkFinite(fn, 'second input', y);
}

export function checkFinite(fn: string, name: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) {
      throw new SelfjError('BAD_INPUT', `${fn}: ${name}[${i}] is ${String(x[i])}, not a finite number.`, {
        solutions: ['Drop or repair items whose score is missing before computing metrics.'],
      });
    }
  }
}
