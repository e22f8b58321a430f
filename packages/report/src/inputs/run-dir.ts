/**
 * Reads a `selfj run` / `selfj demo` output directory: the stage manifests (pipeline table), the judge records
 * (scores, labels and the upstream fields they carry: z0, z2, tokens, the self-evaluation's digit mass), the
 * judge manifest (training history), calibrate/calibration.json and eval/report.json. Whatever is missing is
 * simply not shown.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG, PIPELINE_STAGES, SelfjError } from '@selfj/core';
import { readJsonl } from '@selfj/core/infra';
import type { DigitMassItem, ExternalGrade, PipelineStageRow, ReportInputs, ScoredItems } from '../model.js';
import { isObj, num, parseCalibration, parseEvaluation, parseTraining, str, type Json } from './parse.js';

export interface RunDirOptions {
  /** Overrides the bad/good cut on the label z (the run directory may not record it). */
  badBelow?: number;
}

/** Stage directories the records may come from, most downstream first. */
const RECORD_STAGES = ['judge', 'label', 'similarity', 'self-eval'];

function readJson(file: string, notes: string[]): Json | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (isObj(v)) return v;
    notes.push(`${file} is not a JSON object; left out.`);
  } catch (e) {
    notes.push(`${file} is not valid JSON (${(e as Error).message}); left out.`);
  }
  return undefined;
}

export function isRunDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return false;
  }
  return [...PIPELINE_STAGES, 'calibrate', 'eval'].some((s) => existsSync(join(dir, s)));
}

/** Seconds per stage from the run's event log (the last `stage.done` of each stage). */
function stageSeconds(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const file = join(dir, 'events.jsonl');
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"stage.done"')) continue;
    try {
      const v = JSON.parse(line) as Json;
      const s = str(v.stage);
      const sec = num(v.seconds);
      if (v.event === 'stage.done' && s && sec !== undefined) out.set(s, sec);
    } catch {
      /* a torn last line of a killed run */
    }
  }
  return out;
}

const fingerprints = (t: unknown) => (isObj(t) ? Object.entries(t).map(([k, v]) => `${k}=${String(v)}`).join(' ') : undefined);

function stageRow(stage: string, m: Json, seconds: Map<string, number>): PipelineStageRow {
  const counts = isObj(m.counts) ? m.counts : {};
  const model = isObj(m.model) ? m.model : isObj(m.baseModel) ? m.baseModel : undefined;
  const training = isObj(m.training) ? m.training : undefined;
  return {
    stage,
    complete: typeof m.complete === 'boolean' ? m.complete : m.format === 'selfj-judge' ? true : undefined,
    records: num(counts.records) ?? num(training?.items),
    rejected: num(counts.rejected) ?? (training ? 0 : undefined),
    seconds: seconds.get(stage),
    configHash: str(m.configHash),
    model: str(model?.id),
    modelFingerprint: str(model?.fileHash),
    templates: fingerprints(m.templates),
  };
}

/** The digit-mass floor a run was configured with, wherever a manifest's config or extra records it. */
export function findDigitMassFloor(v: unknown, depth = 0): number | undefined {
  if (!isObj(v) || depth > 4) return undefined;
  for (const [k, x] of Object.entries(v)) {
    // 0 means the run had no floor: the report then uses the default
    if (/digit.?mass.?(floor|min)|min.?digit.?mass/i.test(k) && num(x) !== undefined && num(x)! > 0) return num(x);
    const inner = findDigitMassFloor(x, depth + 1);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** The label's scale [low, high] as the label stage clipped it (its manifest's config), else the config default. */
function labelScale(label: Json | undefined): [number, number] {
  const clip = isObj(label?.config) ? label.config.clip : undefined;
  if (Array.isArray(clip) && clip.length === 2 && num(clip[0]) !== undefined && num(clip[1]) !== undefined && clip[1] > clip[0]) return [clip[0], clip[1]];
  return [...DEFAULT_CONFIG.label.clip] as [number, number];
}

type ExternalSpec = Omit<ExternalGrade, 'grade'>;

/**
 * The external grade a run carries (config grade.field): its field and scale from eval/report.json's `external`,
 * else the field the sample stage carried (its manifest's config.carry) on the config's default scale.
 */
function externalSpec(evalFile: Json | undefined, sample: Json | undefined): ExternalSpec | undefined {
  const ext = isObj(evalFile?.external) ? evalFile.external : undefined;
  const field = str(ext?.field);
  if (ext && field) {
    const sc = isObj(ext.scale) ? ext.scale : {};
    const [min, max, bad] = [num(sc.min), num(sc.max), num(sc.badBelow)];
    if (min !== undefined && max !== undefined && bad !== undefined && max > min) return { name: field, minGrade: min, maxGrade: max, badBelow: bad, scaleSource: 'input' };
  }
  const carry = isObj(sample?.config) && Array.isArray(sample.config.carry) ? sample.config.carry.find((c): c is string => typeof c === 'string' && c !== '') : undefined;
  const name = field ?? carry;
  if (!name) return undefined;
  const g = DEFAULT_CONFIG.grade;
  return { name, minGrade: g.min, maxGrade: g.max, badBelow: g.badBelow, scaleSource: 'default' };
}

export async function readRunDir(dirArg: string, o: RunDirOptions = {}): Promise<ReportInputs> {
  const dir = resolve(dirArg);
  if (!isRunDir(dir)) {
    throw new SelfjError('BAD_INPUT', `${dirArg} is not a selfj run directory (no stage sub-directories such as judge/ or calibrate/).`, {
      solutions: ['Pass the --out directory of `selfj run` or `selfj demo`', 'Or pass the JSON files of selfj eval / calibrate / rank'],
    });
  }
  const notes: string[] = [];
  const seconds = stageSeconds(dir);
  const manifests = new Map<string, Json>();
  for (const s of PIPELINE_STAGES) {
    const m = readJson(join(dir, s, 'manifest.json'), notes);
    if (m) manifests.set(s, m);
  }
  const calFile = readJson(join(dir, 'calibrate', 'calibration.json'), notes);
  const evalFile = readJson(join(dir, 'eval', 'report.json'), notes);
  const calibration = calFile ? parseCalibration(calFile) : undefined;
  if (calibration && evalFile && isObj(evalFile.selection)) {
    const sel = evalFile.selection;
    if (num(sel.coverage) !== undefined && num(sel.risk) !== undefined) calibration.test = { coverage: num(sel.coverage)!, risk: num(sel.risk)!, answered: num(sel.answered) };
  }

  const stages: PipelineStageRow[] = [];
  for (const s of PIPELINE_STAGES) {
    const m = manifests.get(s);
    if (m) stages.push(stageRow(s, m, seconds));
    else if (s === 'calibrate' && calibration) stages.push({ stage: s, complete: true, records: calibration.n, rejected: 0, seconds: seconds.get(s) });
    else if (s === 'eval' && evalFile) stages.push({ stage: s, complete: true, records: num(evalFile.n), rejected: 0 });
  }
  const judgeManifest = manifests.get('judge');
  const judgeMode = isObj(judgeManifest?.extra) ? str(judgeManifest.extra.mode) : undefined;
  const trainManifest = manifests.get('train');
  const modelSrc = (judgeManifest?.model ?? trainManifest?.baseModel ?? manifests.get('sample')?.model) as Json | undefined;
  const model = isObj(modelSrc) && str(modelSrc.id) ? { id: str(modelSrc.id)!, fileHash: str(modelSrc.fileHash) } : undefined;

  // the floor the stages applied and what they rejected under it (extra.digitMass), else a configured floor
  let floor: number | undefined;
  const rejected: { stage: string; count: number; of?: number }[] = [];
  for (const [stage, m] of manifests) {
    const dm = isObj(m.extra) && isObj(m.extra.digitMass) ? m.extra.digitMass : undefined;
    if (dm && num(dm.floor) !== undefined && num(dm.floor)! > 0) floor ??= num(dm.floor);
    const counts = isObj(m.counts) ? m.counts : {};
    const of = (num(counts.records) ?? 0) + (num(counts.rejected) ?? 0);
    if (dm && num(dm.rejectedLowMass)) rejected.push({ stage, count: num(dm.rejectedLowMass)!, of: of || undefined });
  }
  for (const m of manifests.values()) floor ??= findDigitMassFloor({ config: m.config });
  const badBelow = o.badBelow ?? num(calFile?.badBelow);
  const [minGrade, maxGrade] = labelScale(manifests.get('label'));
  const read = await readRecords(dir, externalSpec(evalFile, manifests.get('sample')), {
    minGrade,
    maxGrade,
    badBelow: badBelow ?? DEFAULT_CONFIG.calibrate.badBelow,
    badBelowSource: o.badBelow !== undefined ? 'option' : badBelow !== undefined ? 'input' : 'default',
    scoreName: judgeMode === 'zero-shot' ? 'judge (zero-shot, untrained)' : 'trained judge',
  });
  notes.push(...read.notes);
  const evaluation = !read.items && evalFile ? { trained: parseEvaluation(evalFile.trained), zeroShot: parseEvaluation(evalFile.zeroShot) } : undefined;
  return {
    title: `selfj report: ${dirArg}`,
    sources: [dir],
    items: read.items,
    evaluation,
    calibration,
    training: trainManifest ? parseTraining(trainManifest) : undefined,
    digitMass: read.digitMass.length || rejected.length ? { items: read.digitMass, floor, rejected: rejected.length ? rejected : undefined } : undefined,
    pipeline: { dir, stages, judgeMode },
    model,
    notes,
  };
}

interface RecordRead {
  items?: ScoredItems;
  digitMass: DigitMassItem[];
  notes: string[];
}

interface Row {
  id: string;
  split?: string;
  score: number;
  z: number;
  z0: number;
  z2: number;
  tokens?: number;
  category: string;
  instruction: string;
  response: string;
  /** The external grade; NaN when the record lacks it. */
  ext: number;
}

/** A grade as the pipeline reads it: a number, or a numeric string. */
function gradeOf(x: unknown): number {
  if (typeof x === 'string' && x.trim() !== '') return Number.isFinite(Number(x)) ? Number(x) : NaN;
  return num(x) ?? NaN;
}

async function readRecords(dir: string, ext: ExternalSpec | undefined, s: Pick<ScoredItems, 'badBelow' | 'badBelowSource' | 'scoreName' | 'minGrade' | 'maxGrade'>): Promise<RecordRead> {
  const stage = RECORD_STAGES.find((st) => existsSync(join(dir, st, 'records.jsonl')));
  const out: RecordRead = { digitMass: [], notes: [] };
  if (!stage) return out;
  const it: ScoredItems = { ...s, gradeName: 'label z', score: [], grade: [], zeroShot: [], similarity: [], length: [], category: [], id: [], instruction: [], response: [] };
  const extGrades: number[] = [];
  const tokens: (number | undefined)[] = [];
  let bad = 0;
  let noSplit = 0;
  // only the fields the report draws are kept: whole records (with their probability arrays) would fill the heap
  const rows: Row[] = [];
  for await (const l of readJsonl(join(dir, stage, 'records.jsonl'))) {
    if (!l.value) {
      bad++;
      continue;
    }
    const v = l.value;
    const id = str(v.key) ?? str(v.id) ?? `line-${l.line}`;
    for (const [field, view] of [['withReference', 'with reference'], ['referenceFree', 'reference-free']] as const) {
      const d = v[field];
      if (isObj(d) && num(d.digitMass) !== undefined) {
        const missing = Array.isArray(d.missing) && d.missing.length ? d.missing.filter((x): x is number => typeof x === 'number') : undefined;
        out.digitMass.push({ id, view, mass: num(d.digitMass)!, coverage: str(d.coverage), missing });
      }
    }
    if (stage !== 'judge' || num(v.score) === undefined || num(v.z) === undefined) continue;
    if (str(v.split) === undefined) noSplit++;
    rows.push({ id, split: str(v.split), score: num(v.score)!, z: num(v.z)!, z0: num(v.z0) ?? NaN, z2: num(v.z2) ?? NaN, tokens: num(v.tokens), category: str(v.category) ?? 'unknown', instruction: str(v.instruction) ?? '', response: str(v.response) ?? '', ext: ext ? gradeOf(v[ext.name]) : NaN });
  }
  if (bad) out.notes.push(`${bad} unreadable line(s) in ${stage}/records.jsonl were left out.`);
  if (!rows.length) return out;
  // the report is measured where the pipeline measures it: the test split (all items when there are no splits)
  const useAll = noSplit === rows.length;
  if (useAll) out.notes.push('The judge records have no split: every item is drawn, including those the judge was trained and calibrated on.');
  it.split = useAll ? undefined : 'test';
  for (const r of rows) {
    if (!useAll && r.split !== 'test') continue;
    it.score.push(r.score);
    it.grade.push(r.z);
    it.zeroShot!.push(r.z0);
    it.similarity!.push(r.z2);
    tokens.push(r.tokens);
    it.category!.push(r.category);
    it.id!.push(r.id);
    it.instruction!.push(r.instruction);
    it.response!.push(r.response);
    extGrades.push(r.ext);
  }
  if (!it.score.length) {
    out.notes.push('No judge record is in the test split: nothing to measure the judge on.');
    return out;
  }
  const byTokens = tokens.every((t) => t !== undefined);
  it.length = byTokens ? (tokens as number[]) : it.response!.map((r) => r.length);
  it.lengthUnit = byTokens ? 'tokens' : 'characters';
  if (!it.zeroShot!.some(Number.isFinite)) delete it.zeroShot;
  if (!it.similarity!.some(Number.isFinite)) delete it.similarity;
  if (ext) it.external = { ...ext, grade: extGrades };
  out.items = it;
  return out;
}
