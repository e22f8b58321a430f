/**
 * Writes a synthetic run directory in the layout `selfj run` leaves (stage manifests, judge records carrying the
 * upstream fields, the train manifest's history, calibration.json from the real calibrateThreshold, eval/report.json,
 * events.jsonl), for the report's tests and benchmark. Seeded: the same options write the same bytes.
 */
import { rng } from '@selfj/core/infra';
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { calibrateThreshold } from '@selfj/core/decide';

export interface SyntheticRunOptions {
  records: number;
  seed?: number;
  /** Strings put into instructions, responses and one category of the worst-judged test items. */
  hostile?: string[];
  /** Median digit mass of the self-evaluation (0.9: a model that answers with digits; 0.0003: a tiny one). */
  digitMass?: number;
  badBelow?: number;
  /** How strongly the judge follows the label (0: noise). */
  signal?: number;
  /**
   * An external grade in the data (config grade.field), 1-10 and following the label z: every record carries it
   * under `field` except every `missingEvery`-th; eval/report.json records its scale unless `recordScale` is false.
   */
  external?: { field: string; missingEvery?: number; recordScale?: boolean };
}

export const EXTERNAL_SCALE = { min: 1, max: 10, badBelow: 6 } as const;


const clip9 = (x: number) => Math.max(0, Math.min(9, x));
export const SYNTHETIC_CATEGORIES = ['common', 'coding', 'academic'];
const STAGES = ['sample', 'self-eval', 'similarity', 'label', 'judge', 'select'];

function manifest(stage: string, records: number, rejected: number, i: number, carry?: string) {
  return {
    format: 'selfj-stage',
    version: 1,
    stage,
    configHash: `hash-${stage}-${i}`,
    config: stage === 'self-eval' ? { chat: false } : stage === 'sample' && carry ? { carry: [carry] } : stage === 'label' ? { clip: [0, 9] } : {},
    model: stage === 'similarity' || stage === 'label' || stage === 'select' ? undefined : { id: 'llama-cpp:/models/synthetic.gguf', fileHash: 'fp1:synthetic' },
    templates: stage === 'self-eval' ? { withReference: 'aaaa1111', referenceFree: 'bbbb2222' } : undefined,
    counts: { records, rejected },
    complete: true,
    extra: stage === 'judge' ? { mode: 'trained' } : undefined,
  };
}

/** Writes the run into `dir`; returns the test-split items it wrote (for tests to recompute metrics). */
export async function writeSyntheticRun(dir: string, o: SyntheticRunOptions) {
  const rand = rng(o.seed ?? 1);
  const badBelow = o.badBelow ?? 5;
  const signal = o.signal ?? 0.7;
  const hostile = o.hostile ?? [];
  mkdirSync(join(dir, 'judge'), { recursive: true });
  const out = createWriteStream(join(dir, 'judge', 'records.jsonl'));
  const cal: { score: number; z: number }[] = [];
  const test: { score: number; z: number; z0: number; z2: number; tokens: number; category: string; instruction: string; response: string; ext?: number }[] = [];
  const ext = o.external;
  const extRand = rng(((o.seed ?? 1) ^ 0x5bd1e995) >>> 0);
  let h = 0;
  for (let i = 0; i < o.records; i++) {
    const u = rand();
    const split = u < 0.6 ? 'train' : u < 0.8 ? 'calibrate' : 'test';
    const z = clip9(9 * rand() ** 0.6);
    const noise = () => (rand() + rand() + rand() - 1.5) * 3;
    const score = clip9(signal * z + (1 - signal) * 4.5 + noise() * (1 - signal * 0.5));
    const z0 = clip9(0.3 * z + 3 + noise());
    const z2 = Math.max(-0.2, Math.min(1, z / 9 + noise() / 9));
    const tokens = Math.round(20 + 200 * rand());
    let category = SYNTHETIC_CATEGORIES[i % 3];
    let instruction = `Instruction ${i}: explain topic ${i % 97}.`;
    let response = `Answer ${i} ${'word '.repeat(tokens % 17)}`;
    // the hostile strings go to test items the judge loves but the label hates: they land in the examples table
    let zz = z;
    let ss = score;
    if (split === 'test' && h < hostile.length) {
      zz = 0.25;
      ss = 9;
      instruction = hostile[h];
      response = hostile[h];
      category = hostile[h];
      h++;
    }
    const mass = Math.min(1, (o.digitMass ?? 0.9) * Math.exp(noise() / 3));
    // ten digit probabilities per view, as real records carry them (they set the size of the file the report reads)
    const probs = () => {
      const p = Array.from({ length: 10 }, () => rand());
      const s = p.reduce((a, b) => a + b, 0);
      return p.map((x) => x / s);
    };
    const view = (m: number) => ({ probs: probs(), expected: z0, digitMass: m, coverage: i % 50 === 7 ? 'partial' : 'full', missing: i % 50 === 7 ? [8, 9] : [] });
    // the external grade follows the label loosely, on GPT-4's 1-10 scale; from its own generator, so the rest of
    // the run is the same bytes with and without it
    const g = Math.max(1, Math.min(10, Math.round(1 + zz + (extRand() + extRand() + extRand() - 1.5) * 2)));
    const grade = ext && !(ext.missingEvery && i % ext.missingEvery === 0) ? g : undefined;
    const rec = { key: `item-${i}#0`, id: `item-${i}`, sample: 0, instruction, reference: 'ref', category, response, tokens, z1: z0, z0, withReference: view(mass), referenceFree: view(mass * 0.9), z2, z: zz, split, score: ss, probs: probs(), mode: 'trained', digitMass: mass * 0.9, coverage: 'full', ...(grade !== undefined ? { [ext!.field]: grade } : {}) };
    if (!out.write(`${JSON.stringify(rec)}\n`)) await once(out, 'drain');
    if (split === 'calibrate') cal.push({ score: ss, z: zz });
    if (split === 'test') test.push({ score: ss, z: zz, z0, z2, tokens, category, instruction, response, ext: grade });
  }
  out.end();
  await once(out, 'finish');
  STAGES.forEach((s, i) => {
    mkdirSync(join(dir, s), { recursive: true });
    writeFileSync(join(dir, s, 'manifest.json'), JSON.stringify(manifest(s, o.records, s === 'sample' ? 3 : 0, i, ext?.field)));
  });
  const history = Array.from({ length: 12 }, (_, e) => ({ epoch: e + 1, trainLoss: 3.5 - 0.1 * e, valLoss: 3.6 - 0.08 * e + (e > 8 ? 0.05 * (e - 8) : 0), valPearson: 0.1 + 0.05 * e }));
  mkdirSync(join(dir, 'train'), { recursive: true });
  writeFileSync(
    join(dir, 'train', 'manifest.json'),
    JSON.stringify({
      format: 'selfj-judge',
      version: 1,
      kind: 'head',
      configHash: 'hash-train',
      baseModel: { id: 'llama-cpp:/models/synthetic.gguf', fileHash: 'fp1:synthetic' },
      templates: { withReference: 'aaaa1111', referenceFree: 'bbbb2222' },
      training: { trainer: 'head', items: Math.round(o.records * 0.6), trainItems: Math.round(o.records * 0.48), valItems: Math.round(o.records * 0.12), bestEpoch: 9 },
      metrics: { initial: { trainLoss: 3.6, valLoss: 3.7, valPearson: 0.05 }, best: history[8], history },
    }),
  );
  const calibration = calibrateThreshold({ scores: cal.map((c) => c.score), bad: cal.map((c) => c.z < badBelow), targetRisk: 0.25, delta: 0.1 });
  mkdirSync(join(dir, 'calibrate'), { recursive: true });
  writeFileSync(join(dir, 'calibrate', 'calibration.json'), JSON.stringify(calibration));
  const tau = calibration.tau;
  const answered = tau === null ? [] : test.filter((t) => t.score >= tau);
  mkdirSync(join(dir, 'eval'), { recursive: true });
  const graded = test.filter((t) => t.ext !== undefined);
  const answeredGraded = tau === null ? [] : graded.filter((t) => t.score >= tau);
  // as the pipeline's assess step writes it: the external grade's field, scale and selection at tau
  const external =
    ext && ext.recordScale !== false
      ? {
          field: ext.field,
          scale: EXTERNAL_SCALE,
          n: graded.length,
          selection: { tau, answered: answeredGraded.length, coverage: answeredGraded.length / graded.length, risk: answeredGraded.length ? answeredGraded.filter((t) => t.ext! < EXTERNAL_SCALE.badBelow).length / answeredGraded.length : 0 },
        }
      : undefined;
  writeFileSync(
    join(dir, 'eval', 'report.json'),
    JSON.stringify({ n: test.length, selection: { tau, answered: answered.length, coverage: answered.length / test.length, risk: answered.length ? answered.filter((t) => t.z < badBelow).length / answered.length : 0 }, external }),
  );
  const events = STAGES.map((s, i) => JSON.stringify({ time: '2026-01-01T00:00:00Z', level: 'info', event: 'stage.done', stage: s, seconds: 1.5 + i }));
  writeFileSync(join(dir, 'events.jsonl'), `${events.join('\n')}\n`);
  return { test, calibration, badBelow };
}
