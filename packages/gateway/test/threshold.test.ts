/** Threshold files: what is refused, and every way one can fail to fit the running judge (each named). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import { checkThreshold, readThreshold, thresholdMismatches } from '../src/index.js';
import { tempDir } from './helpers.js';

function file(content: string): string {
  const f = join(tempDir(), 't.json');
  writeFileSync(f, content);
  return f;
}

const model = { id: 'llama-cpp:/m/q.gguf', fileHash: 'fp1:aaaa' };
const running = { id: 'zero-shot:llama-cpp:/m/q.gguf', fingerprint: { judge: 'zero-shot', model, template: 'tpl1' } };
const judge = { id: running.id, mode: 'zero-shot', model, referenceFreeTemplate: 'tpl1', configHash: 'c' };

describe('threshold files', () => {
  it('reads tau (a number or null) and the judge it names', () => {
    const t = readThreshold(file(JSON.stringify({ tau: 6.5, targetRisk: 0.1, delta: 0.1, n: 200, scoreField: 'score', judge })));
    expect(t).toMatchObject({ tau: 6.5, targetRisk: 0.1, n: 200, judge });
    expect(t.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(readThreshold(file('{"tau": null}')).tau).toBeNull();
  });

  it.each([
    ['missing file', undefined, 'NOT_FOUND', /Cannot read the threshold file/],
    ['not JSON', '{tau: 1', 'BAD_INPUT', /not valid JSON/],
    ['no tau', '{"coverage": 1}', 'BAD_INPUT', /"tau" must be a number or null/],
    ['tau a string', '{"tau": "6"}', 'BAD_INPUT', /"tau" must be a number or null/],
    ['another score field', '{"tau": 1, "scoreField": "z0"}', 'BAD_INPUT', /calibrated on the field "z0"/],
  ])('refuses a %s with a typed error', (_name, content, code, message) => {
    const f = content === undefined ? join(tempDir(), 'none.json') : file(content);
    let err: unknown;
    try {
      readThreshold(f);
    } catch (e) {
      err = e;
    }
    expect(isSelfjError(err, code as never)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('fits the judge it was calibrated for', () => {
    expect(thresholdMismatches(readThreshold(file(JSON.stringify({ tau: 5, judge }))), running)).toEqual([]);
  });

  it('names every difference: kind, model file, template, and a trained head\'s weights', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'judge'));
    writeFileSync(join(dir, 'judge', 'manifest.json'), JSON.stringify({ weights: { sha256: 'b'.repeat(64) } }));
    const theirs = { id: `head:${join(dir, 'judge')}`, mode: 'head', model: { id: model.id, fileHash: 'fp1:bbbb' }, referenceFreeTemplate: 'tpl0', configHash: 'c' };
    const head = { id: 'head:/elsewhere', fingerprint: { judge: 'head', weights: 'a'.repeat(64), model, template: 'tpl1' } };
    const why = thresholdMismatches(readThreshold(file(JSON.stringify({ tau: 5, judge: theirs }))), head);
    expect(why).toHaveLength(3);
    expect(why[0]).toMatch(/calibrated with model .*fp1:bbbb.*fp1:aaaa/);
    expect(why[1]).toMatch(/template hash is tpl0; the judge's is tpl1/);
    expect(why[2]).toMatch(/weights bbbbbbbbbbbb.*weights aaaaaaaaaaaa/);
    const kind = thresholdMismatches(readThreshold(file(JSON.stringify({ tau: 5, judge: { ...judge, mode: 'head' } }))), running);
    expect(kind).toEqual(['it was calibrated on "head" scores; the gateway runs a "zero-shot" judge (zero-shot:llama-cpp:/m/q.gguf)']);
  });

  it('a file that does not name its judge is refused unless accepted unverified', () => {
    const t = readThreshold(file('{"tau": 5}'));
    let err: unknown;
    try {
      checkThreshold(t, running);
    } catch (e) {
      err = e;
    }
    expect(isSelfjError(err, 'BAD_INPUT')).toBe(true);
    expect((err as Error).message).toMatch(/--unverified-threshold/);
    expect(() => checkThreshold(t, running, true)).not.toThrow();
  });

  it('a mismatch is ARTIFACT_MISMATCH with the reasons in details', () => {
    const t = readThreshold(file(JSON.stringify({ tau: 5, judge: { ...judge, referenceFreeTemplate: 'other' } })));
    try {
      checkThreshold(t, running);
      expect.unreachable();
    } catch (e) {
      expect(isSelfjError(e, 'ARTIFACT_MISMATCH')).toBe(true);
      expect((e as { details: { reasons: string[] } }).details.reasons).toHaveLength(1);
      expect((e as Error).message).toMatch(/Possible solutions/);
    }
  });
});
