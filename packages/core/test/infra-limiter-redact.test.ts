import { describe, expect, it } from 'vitest';
import { REDACTED, Semaphore, redact, safeURL } from '../src/infra/index.js';

describe('Semaphore', () => {
  it('admits `max` holders, FIFO, hands a released slot to the oldest waiter, abandons aborted waiters', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const order: number[] = [];
    const ctl = new AbortController();
    const aborted = s.acquire(ctl.signal).then(() => order.push(99), (e: { code?: string }) => order.push(e.code === 'ABORTED' ? -1 : -2));
    const w3 = s.acquire().then((r) => (order.push(3), r));
    const w4 = s.acquire().then((r) => (order.push(4), r));
    ctl.abort();
    await aborted;
    expect(s.waiting).toBe(2);
    r1();
    // A newcomer arriving right after the release cannot overtake the waiter the slot was handed to.
    const late = s.acquire().then((r) => (order.push(5), r));
    const r3 = await w3;
    expect(s.inFlight).toBe(2);
    r2();
    const r4 = await w4;
    r3();
    r3(); // releasing twice is harmless
    const r5 = await late;
    expect(order).toEqual([-1, 3, 4, 5]);
    r4();
    r5();
    expect(s.inFlight).toBe(0);
  });

  it('never exceeds max under run(), and resize() admits waiters at once or shrinks as holders leave', async () => {
    const s = new Semaphore(3);
    let now = 0;
    let peak = 0;
    const job = () => s.run(async () => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, 2));
      now--;
    });
    await Promise.all(Array.from({ length: 30 }, job));
    expect(peak).toBe(3);
    const held = await Promise.all([s.acquire(), s.acquire(), s.acquire()]);
    let got = false;
    const waiter = s.acquire().then((r) => ((got = true), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBe(false);
    s.resize(4);
    const r = await waiter;
    expect(s.inFlight).toBe(4);
    s.resize(1);
    for (const h of held) h();
    r();
    expect(s.inFlight).toBe(0);
    expect(s.max).toBe(1);
    expect(() => new Semaphore(0)).toThrow(RangeError);
    const t = new Semaphore(1);
    const first = t.tryAcquire();
    expect(first).toBeTypeOf('function');
    expect(t.tryAcquire()).toBeUndefined();
    const queued = t.acquire();
    first!();
    (await queued)();
    expect(t.inFlight).toBe(0);
  });
});

describe('redact', () => {
  it('removes given secrets, Authorization values, bearer tokens, sk- keys and key-like query values', () => {
    const key = 'sk-live-0123456789abcdef';
    const text = `bad key ${key}; Authorization: Bearer abcd.efgh-1234; header "authorization":"xyz123"; GET /v1?api_key=zzzz&x=1; token hf_secret_token`;
    const out = redact(text, ['hf_secret_token', undefined, 'ab']);
    for (const s of [key, 'abcd.efgh-1234', 'xyz123', 'zzzz', 'hf_secret_token']) expect(out).not.toContain(s);
    expect(out).toContain(REDACTED);
    expect(out).toContain('x=1');
    expect(redact('Bearer abcdefgh', [], { mask: '***' })).toBe('Bearer ***');
    expect(safeURL('http://user:pw@host:1/v1?key=k123')).toBe(`http://host:1/v1?key=${REDACTED}`);
  });
});
