import { describe, expect, it } from 'vitest';
import { Semaphore, backoffDelay, parseRetryAfter } from '../src/retry.js';
import { alternativesFromChat, alternativesFromCompletions, alternativesFromLlamaNative, mapCandidates, normaliseToken } from '../src/logprobs.js';
import { parseOpenAISpec } from '../src/options.js';
import { redact } from '../src/redact.js';
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

  it('semaphore admits `limit` holders, FIFO, and abandons aborted waiters', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const order: number[] = [];
    const ctl = new AbortController();
    const aborted = s.acquire(ctl.signal).then(() => order.push(99), (e) => order.push(e.code === 'ABORTED' ? -1 : -2));
    const w3 = s.acquire().then((r) => (order.push(3), r));
    ctl.abort();
    await aborted;
    r1();
    const r3 = await w3;
    expect(order).toEqual([-1, 3]);
    expect(s.inFlight).toBe(2);
    r2();
    r3();
    r3(); // releasing twice is harmless
    expect(s.inFlight).toBe(0);
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
