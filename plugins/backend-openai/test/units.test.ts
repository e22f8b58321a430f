import { describe, expect, it } from 'vitest';
import { redact } from '@selfj/core/infra';
import { AdaptiveLimit } from '../src/adaptive.js';
import { backoffDelay, parseRetryAfter } from '../src/retry.js';
import { FairScheduler } from '../src/serve/scheduler.js';
import { alternativesFromChat, alternativesFromCompletions, alternativesFromLlamaNative, mapCandidates, normaliseToken } from '../src/logprobs.js';
import { parseOpenAISpec } from '../src/options.js';
import { detectFlavour, flavourTraits } from '../src/flavour.js';

describe('retry pieces', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('full-jitter backoff stays within [0, min(cap, base*2^n)]', () => {
    expect(backoffDelay(3, 100, 10_000, () => 0.999999)).toBe(799);
    expect(backoffDelay(10, 100, 2000, () => 0.5)).toBe(1000);
    expect(backoffDelay(0, 100, 2000, () => 0)).toBe(0);
  });

});

describe('adaptive concurrency (AIMD)', () => {
  it('grows while the server keeps up (fast at first), halves once per round trip on overload, never below 1', () => {
    const l = new AdaptiveLimit({ adaptive: true, max: 64, initial: 4 });
    for (let i = 0; i < 12; i++) l.onSuccess(10, 1, l.limit - 1);
    expect(l.limit).toBe(16); // slow start: +1 per answer while the limit is in use
    for (let i = 0; i < 8; i++) l.onOverload(); // one burst of 429s from the same overload
    expect(l.limit).toBe(8);
    for (let i = 0; i < 8; i++) l.onSuccess(10, 1, l.limit - 1); // one round trip: the cut is spent
    const before = l.limit;
    for (let i = 0; i < 40; i++) l.onSuccess(10, 1, l.limit - 1);
    expect(l.limit - before).toBeGreaterThanOrEqual(3); // additive now: about one per round trip
    expect(l.limit - before).toBeLessThanOrEqual(6);
    for (let i = 0; i < 200; i++) l.onOverload();
    expect(l.limit).toBeGreaterThanOrEqual(1);
  });

  it('does not grow on an idle server, backs off while latency per prompt stays 4x its baseline, and is fixed when not adaptive', () => {
    const idle = new AdaptiveLimit({ adaptive: true, max: 64, initial: 4 });
    for (let i = 0; i < 50; i++) idle.onSuccess(10, 1, 0);
    expect(idle.limit).toBe(4);
    const queueing = new AdaptiveLimit({ adaptive: true, max: 64, initial: 20 });
    queueing.onSuccess(10, 4, 19); // 2.5 ms per prompt: the baseline
    for (let i = 0; i < 200; i++) queueing.onSuccess(40, 4, queueing.limit - 1); // 10 ms per prompt: queueing
    expect(queueing.limit).toBeLessThan(10);
    // A mild latency cut does not hold off the halving for a burst of 429s that follows it.
    const both = new AdaptiveLimit({ adaptive: true, max: 64, initial: 20 });
    both.onSuccess(10, 4, 19);
    both.onSuccess(40, 4, 19); // latency cut: 20 -> 18
    expect(both.limit).toBe(18);
    both.onOverload();
    expect(both.limit).toBe(9);
    const fixed = new AdaptiveLimit({ adaptive: false, max: 7 });
    fixed.onOverload();
    fixed.onSuccess(1, 1, 6);
    expect(fixed.limit).toBe(7);
  });
});

describe('fair scheduler (selfj serve)', () => {
  it('runs the request with the least work left first, so a newcomer waits for the running unit only', async () => {
    const s = new FairScheduler(1);
    const order: string[] = [];
    const unit = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 1));
    };
    const big = s.open(new AbortController().signal);
    const bigDone = Promise.all(Array.from({ length: 20 }, (_, i) => big.run(unit(`big${i}`))));
    await new Promise((r) => setTimeout(r, 3));
    const small = s.open(new AbortController().signal);
    const startedBefore = order.length; // the big unit running now is one of these
    await Promise.all([small.run(unit('small0')), small.run(unit('small1'))]);
    await bigDone;
    const at = order.indexOf('small0');
    expect(startedBefore).toBeGreaterThan(0);
    expect(at).toBe(startedBefore); // next after the running unit
    expect(order.indexOf('small1') - at).toBeLessThanOrEqual(2); // at most one "longest waiting" turn of the big one between
  });

  it('does not starve a large request while small ones keep coming (every 4th unit to the longest waiting)', async () => {
    const s = new FairScheduler(1);
    const order: string[] = [];
    const unit = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 1));
    };
    const big = s.open(new AbortController().signal);
    const bigDone = Promise.all(Array.from({ length: 10 }, (_, i) => big.run(unit(`big${i}`))));
    // A stream of one-unit requests, always one waiting.
    for (let i = 0; i < 30; i++) {
      const q = s.open(new AbortController().signal);
      await q.run(unit(`small${i}`));
    }
    const window = order.slice(0, order.indexOf('small29') + 1);
    expect(window.filter((n) => n.startsWith('big')).length).toBeGreaterThanOrEqual(5);
    await bigDone;
  });

  it('keeps one slot free for newcomers when it has several, and drops a closed request\'s waiting units', async () => {
    const s = new FairScheduler(3);
    let running = 0;
    let peak = 0;
    const slow = () => async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    const ctl = new AbortController();
    const q = s.open(ctl.signal);
    const all = Promise.allSettled(Array.from({ length: 6 }, () => q.run(slow())));
    await new Promise((r) => setTimeout(r, 1));
    expect(s.busy).toBe(2);
    ctl.abort();
    q.close();
    const settled = await all;
    expect(settled.filter((r) => r.status === 'rejected').length).toBe(4);
    expect(peak).toBe(2);
  });
});

describe('logprob shapes and candidate mapping', () => {
  const chat = { choices: [{ logprobs: { content: [{ token: '7', logprob: Math.log(0.5), top_logprobs: [{ token: '7', logprob: Math.log(0.5) }, { token: ' 8', logprob: Math.log(0.2) }] }] } }] };
  it('reads chat, legacy completions, llama.cpp native (both shapes)', () => {
    expect(alternativesFromChat(chat)!.map((a) => a.token)).toEqual(['7', ' 8']);
    const legacy = { choices: [{ logprobs: { tokens: ['x'], token_logprobs: [-3], top_logprobs: [{ '7': -1, ' 8': -2 }] } }] };
    expect(alternativesFromCompletions(legacy)).toEqual([{ token: '7', logprob: -1 }, { token: ' 8', logprob: -2 }, { token: 'x', logprob: -3 }]);
    const nativeNew = { completion_probabilities: [{ id: 5, token: '7', logprob: -0.1, top_logprobs: [{ id: 5, token: '7', logprob: -0.1 }, { id: 6, token: '8', logprob: -3 }] }] };
    expect(alternativesFromLlamaNative(nativeNew)!.length).toBe(2);
    const nativeOld = { completion_probabilities: [{ content: '7', probs: [{ tok_str: '7', prob: 0.9 }, { tok_str: '8', prob: 0.1 }] }] };
    expect(alternativesFromLlamaNative(nativeOld)!.map((a) => Math.exp(a.logprob))).toEqual([expect.closeTo(0.9, 12), expect.closeTo(0.1, 12)]);
    expect(alternativesFromChat({ choices: [{ logprobs: null }] })).toBeUndefined();
    expect(alternativesFromCompletions({ choices: [{}] })).toBeUndefined();
  });

  it('maps exactly, leaves hidden candidates undefined, and is full only when it can prove it', () => {
    const alts = alternativesFromChat(chat)!;
    const r = mapCandidates(alts, ['7', '8', ' 8']);
    expect(r.coverage).toBe('partial');
    expect(r.probs['7']).toBeCloseTo(0.5, 12);
    expect(r.probs[' 8']).toBeCloseTo(0.2, 12);
    expect(r.probs['8']).toBeUndefined();
    expect(mapCandidates(alts, ['7', ' 8']).coverage).toBe('full');
    const all = mapCandidates(alts, ['7', '8'], { complete: true });
    expect(all).toEqual({ probs: { '7': expect.closeTo(0.5, 12), '8': 0 }, coverage: 'full' });
    // Whole mass returned: unseen tokens have probability 0.
    const whole = mapCandidates([{ token: '1', logprob: Math.log(0.6) }, { token: 'a', logprob: Math.log(0.4) }], ['1', '2']);
    expect(whole.probs['2']).toBe(0);
    // Merge " 8" into "8" only on request and only when " 8" is not itself a candidate.
    expect(mapCandidates(alts, ['8'], { mergeSpaceVariants: true }).probs['8']).toBeCloseTo(0.2, 12);
    expect(mapCandidates(alts, ['8', ' 8'], { mergeSpaceVariants: true }).probs['8']).toBeUndefined();
  });

  it('normalises raw tokenizer markers; of tokens with the same text the likelier one counts', () => {
    expect(normaliseToken('\u25817')).toBe(' 7');
    expect(normaliseToken('\u01207')).toBe(' 7');
    expect(normaliseToken('7')).toBe('7');
    const r = mapCandidates([{ token: '\u25817', logprob: Math.log(0.1) }, { token: ' 7', logprob: Math.log(0.2) }], [' 7']);
    expect(r.probs[' 7']).toBeCloseTo(0.2, 12);
  });
});

describe('spec, flavours, redaction', () => {
  it('parses pools and options out of the backend id', () => {
    expect(parseOpenAISpec('openai:http://a:1/v1,http://b:2/v1#org/model;flavour=vllm;maxLogprobs=-1')).toEqual({
      baseURLs: ['http://a:1/v1', 'http://b:2/v1'], model: 'org/model', flavour: 'vllm', maxLogprobs: -1,
    });
    expect(() => parseOpenAISpec('http://a/v1#m;bogus=1')).toThrow(/Unknown option/);
  });

  it('knows each flavour\'s k and detects servers', () => {
    expect(flavourTraits('tgi').k).toBe(5);
    expect(flavourTraits('openai').k).toBe(20);
    expect(flavourTraits('vllm', { maxLogprobs: -1 }).k).toBe(-1);
    expect(detectFlavour({ data: [{ id: 'm', owned_by: 'vllm' }] }, 'm').flavour).toBe('vllm');
    expect(detectFlavour({ data: [{ id: 'm', owned_by: 'llamacpp', meta: { n_vocab: 512 } }] }, 'm')).toEqual({ flavour: 'llama.cpp', nVocab: 512 });
    expect(detectFlavour({ data: [{ id: 'm', owned_by: 'selfj', selfj: { max_logprobs: -1, candidates: true } }] }, 'm')).toEqual({
      flavour: 'selfj', maxLogprobs: -1, selfj: { max_logprobs: -1, candidates: true },
    });
    expect(detectFlavour({ data: [] }, 'm')).toEqual({});
  });

  it('redacts keys, bearer tokens and key query parameters', () => {
    const s = redact('Authorization: Bearer abc.def-123 url=http://h/v1?api_key=zzz&x=1 sk-proj-abcdefgh12 mysecretvalue', ['mysecretvalue']);
    expect(s).not.toMatch(/abc\.def|zzz|sk-proj|mysecretvalue/);
    expect(s).toContain('x=1');
  });
});
