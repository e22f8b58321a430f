/** Robustness checks: AbortSignal (before and during a call), typed errors for bad prompts, close(). */
import { expect, it } from 'vitest';
import { scoreDigits } from '@selfj/core/stages';
import { expectSelfjError, skipUnless, thrown } from '../checks.js';
import type { BackendHarness } from './options.js';

/** A call shorter than this cannot be aborted mid-way reliably (timers have ~1 ms resolution). */
export const MIN_ABORTABLE_MS = 20;

type Work = [string, (signal?: AbortSignal) => Promise<unknown>];

function abortableWork(h: BackendHarness): Work[] {
  const b = h.backend();
  const c = h.claims();
  const work: Work[] = [];
  if (c.generation) work.push(['generate (400 tokens)', (signal) => b.generate('Once upon a time', { temperature: 0, maxTokens: 400, signal })]);
  if (c.logprobs !== 'none') {
    const many = Array.from({ length: 4 }, () => h.prompts).flat();
    work.push([`nextTokenProbabilities (${many.length} prompts)`, (signal) => scoreDigits(b, many, { signal })]);
  }
  return work;
}

/** A call that still works after aborts and errors (nothing stuck, no poisoned state). */
async function expectStillWorks(h: BackendHarness): Promise<void> {
  const b = h.backend();
  const c = h.claims();
  if (c.logprobs !== 'none') expect((await scoreDigits(b, [h.prompts[2]]))[0].digitMass).toBeGreaterThan(0);
  else if (c.generation) expect(['stop', 'length']).toContain((await b.generate('Once upon a time', { temperature: 0, maxTokens: 4 })).finishReason);
  else expect((await b.tokenize('Once upon a time')).length).toBeGreaterThan(0);
}

export function robustnessChecks(h: BackendHarness): void {
  it('an already-aborted signal rejects with SelfjError ABORTED', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.generation || c.logprobs !== 'none', 'the backend neither generates nor returns log-probabilities');
    const b = h.backend();
    const pre = AbortSignal.abort();
    if (c.logprobs !== 'none') expectSelfjError(await thrown(() => b.nextTokenProbabilities(h.prompts, ['1'], { signal: pre })), 'ABORTED', 'nextTokenProbabilities');
    if (c.generation) expectSelfjError(await thrown(() => b.generate('Once upon a time', { signal: pre })), 'ABORTED', 'generate');
    if (b.topTokens && c.logprobs !== 'none') expectSelfjError(await thrown(() => b.topTokens!(h.prompts[0], 5, { signal: pre })), 'ABORTED', 'topTokens');
    await expectStillWorks(h);
  }, h.timeout);

  it('a signal aborted mid-way rejects with SelfjError ABORTED, and the backend keeps working', async (ctx) => {
    const work = abortableWork(h);
    skipUnless(ctx, work.length > 0, 'the backend neither generates nor returns log-probabilities');
    const tooFast: string[] = [];
    let aborted = 0;
    for (const [what, run] of work) {
      // Time the call first (its fastest of up to 3 runs, so one pause of the machine cannot make an instant call
      // look abortable), then abort another one a quarter of the way in.
      let ms = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3 && ms >= MIN_ABORTABLE_MS; i++) {
        const t0 = performance.now();
        await run();
        ms = Math.min(ms, performance.now() - t0);
      }
      if (ms < MIN_ABORTABLE_MS) {
        tooFast.push(`${what} took ${ms.toFixed(1)} ms`);
        continue;
      }
      const ac = new AbortController();
      const running = run(ac.signal);
      const timer = setTimeout(() => ac.abort(), ms / 4);
      try {
        expectSelfjError(await thrown(() => running), 'ABORTED', `${what} aborted after ${(ms / 4).toFixed(0)} of ${ms.toFixed(0)} ms`);
      } finally {
        clearTimeout(timer);
      }
      aborted++;
    }
    await expectStillWorks(h);
    skipUnless(ctx, aborted > 0, `every call finishes too fast to abort mid-way (${tooFast.join('; ')}; needs >= ${MIN_ABORTABLE_MS} ms)`);
  }, h.timeout);

  it('an empty prompt is a SelfjError BAD_INPUT, and the backend stays usable', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.generation || c.logprobs !== 'none', 'the backend neither generates nor returns log-probabilities');
    const b = h.backend();
    if (c.logprobs !== 'none') expectSelfjError(await thrown(() => b.nextTokenProbabilities([''], ['1'])), 'BAD_INPUT', 'nextTokenProbabilities([""])');
    if (c.generation) expectSelfjError(await thrown(() => b.generate('')), 'BAD_INPUT', 'generate("")');
    await expectStillWorks(h);
  }, h.timeout);

  it('a prompt longer than the context is a SelfjError PROMPT_TOO_LONG, and the backend stays usable', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.checksPromptLength, 'the author declares no prompt-length check (options.checksPromptLength: false)');
    skipUnless(ctx, c.contextSize !== undefined, 'capabilities().contextSize is not set, so no prompt is known to be too long');
    skipUnless(ctx, c.generation || c.logprobs !== 'none', 'the backend neither generates nor returns log-probabilities');
    const b = h.backend();
    // At least 7 words per 2 context tokens: over-long for any tokenizer that emits a token per word or less.
    const long = 'the cat sat on the mat and '.repeat(Math.ceil(c.contextSize! / 2));
    if (c.logprobs !== 'none') expectSelfjError(await thrown(() => b.nextTokenProbabilities([long], ['1'])), 'PROMPT_TOO_LONG', 'nextTokenProbabilities');
    if (c.generation) expectSelfjError(await thrown(() => b.generate(long)), 'PROMPT_TOO_LONG', 'generate');
    await expectStillWorks(h);
  }, h.timeout);
}

/** Registered last: it closes the backend. */
export function closeCheck(h: BackendHarness): void {
  it('close() is idempotent, and a call after close fails with a SelfjError', async () => {
    const b = h.backend();
    const c = h.claims();
    await b.close();
    await b.close();
    const after = c.generation
      ? () => b.generate('Once upon a time', { maxTokens: 2 })
      : c.logprobs !== 'none'
        ? () => b.nextTokenProbabilities([h.prompts[0]], ['1'])
        : () => b.tokenize('Once upon a time');
    expectSelfjError(await thrown(after), [], 'a call after close()');
  }, h.timeout);
}
