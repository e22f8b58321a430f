/**
 * The kit's checks can fail: deliberately broken components (fixtures/broken.conformance.ts) run through it in a
 * child vitest, and exactly the checks they break fail; the checks of capabilities they do not claim are skipped
 * with the reason in the report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The vitest command of the vitest that runs this file. */
const VITEST = join(dirname(fileURLToPath(import.meta.resolve('vitest'))), '..', 'vitest.mjs');

interface Assertion {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  failureMessages: string[];
  meta?: { skipReason?: string };
}

/** describe block -> the checks that must fail there (every other check passes or is skipped). */
const MUST_FAIL: Record<string, string[]> = {
  'backend conformance: liar': [
    'candidate probabilities lie in [0, 1], sum to at most 1, and coverage is honest',
    'the next-token distribution sums to 1 over the full vocabulary and agrees with the candidate probabilities',
    'sampling with a seed (temperature 1) gives the same text for the same seed',
    'stop strings end the generation just before the stop text',
    'an already-aborted signal rejects with SelfjError ABORTED',
    'an empty prompt is a SelfjError BAD_INPUT, and the backend stays usable',
    'a prompt longer than the context is a SelfjError PROMPT_TOO_LONG, and the backend stays usable',
    'close() is idempotent, and a call after close fails with a SelfjError',
  ],
  'embedder conformance: batchy': [
    'is deterministic and the same alone and in a batch (within the batch tolerance)',
    'rows have L2 norm 1',
    'an already-aborted signal rejects with SelfjError ABORTED',
  ],
  'data set conformance: unstable': [
    'yields the same records with the same ids on every run, from a new loader or the same one',
    'a bad row is a SelfjError BAD_RECORD naming the file and the row; records before it are yielded',
    'an aborted signal rejects with SelfjError ABORTED, before the first record and between records',
  ],
  'judge conformance: peeking': [
    'scores every item in order on its scale; distributions sum to 1; nothing for no items',
    'a reference-free judge gives the same scores with and without references',
    'an already-aborted signal rejects with SelfjError ABORTED',
  ],
  'sampler conformance: lossy': [
    'has an id and a JSON fingerprint that is the same each time',
    'answers every request n times, in order; nothing for no requests',
    'the same seed gives the same answers, alone or in a batch',
    'an already-aborted signal rejects with SelfjError ABORTED',
  ],
  'similarity conformance: inverted': ['an answer identical to its reference is at least as similar as an unrelated one'],
};

let results: Assertion[] = [];
let stdout = '';

beforeAll(() => {
  const out = join(mkdtempSync(join(tmpdir(), 'selfj-testkit-broken-')), 'report.json');
  const bin = spawnSync(process.execPath, [VITEST, 'run', '--config', 'test/fixtures/broken.vitest.config.ts', '--reporter=verbose', '--reporter=json', `--outputFile.json=${out}`], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
  });
  stdout = bin.stdout;
  expect(bin.status, `the child vitest must fail (it runs broken components):\n${bin.stderr.slice(-2000)}`).toBe(1);
  const report = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { assertionResults: Assertion[] }[] };
  results = report.testResults.flatMap((f) => f.assertionResults);
}, 200_000);

describe('the kit fails broken components', () => {
  for (const [block, failing] of Object.entries(MUST_FAIL)) {
    it(`${block}: exactly the broken checks fail`, () => {
      const mine = results.filter((r) => r.ancestorTitles.join(' > ') === block);
      expect(mine.length, `checks reported for ${block}`).toBeGreaterThan(3);
      const failed = mine.filter((r) => r.status === 'failed').map((r) => r.title);
      expect(failed.sort()).toEqual([...failing].sort());
    });
  }

  it('a check of an unclaimed capability is reported as skipped, with its reason in the report and the output', () => {
    const skipped = results.filter((r) => r.status === 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(8);
    for (const s of skipped) expect(s.meta?.skipReason, `${s.title}: reason`).toMatch(/\w{4,}/);
    const topK = skipped.find((s) => s.title.startsWith('top-k answers'));
    expect(topK?.meta?.skipReason).toBe('only for logprobs "topK"; the backend declares "full"');
    // the default reporter prints the reason beside the skipped check
    expect(stdout).toContain('[only for logprobs "topK"; the backend declares "full"]');
    expect(stdout).toMatch(/every call finishes too fast to abort mid-way \(generate \(400 tokens\) took/);
  });
});
