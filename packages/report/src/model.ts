/**
 * What a report is made of. Loaders (a run directory, `selfj eval` / `calibrate` / `rank` JSON, a scored JSONL)
 * fill a `ReportInputs`; `buildReport` derives the metrics once (with @selfj/core) into a `ReportData` that every
 * figure reads. Every part is optional: a report shows what its inputs contain.
 */
import type { EvaluationReport, PairwiseAgreement } from '@selfj/core/metrics';

/** Per-item judge scores with a grade (the run's label z, or a grader's score), column by column. */
export interface ScoredItems {
  /** What the grade is, for axis titles: "label z" or the grader field. */
  gradeName: string;
  /** What the score is: "trained judge", "judge (zero-shot)" or the score field. */
  scoreName: string;
  /** The best possible grade (9 for the label z, 10 for GPT-4's 1-10 ratings). */
  maxGrade: number;
  /** The worst possible grade (0 for the label z, 1 for GPT-4's ratings); graded loss = (max - grade) / (max - min). */
  minGrade: number;
  /** A grade strictly below this is a bad answer. */
  badBelow: number;
  /** Where badBelow came from, said in the report when it was assumed. */
  badBelowSource: 'input' | 'option' | 'default';
  /** Which split the items are (a run's test split), for captions. */
  split?: string;
  score: number[];
  grade: number[];
  /** Zero-shot self-evaluation score of the same item (the untrained judge). */
  zeroShot?: number[];
  /** Embedding similarity to the reference (a with-reference signal). */
  similarity?: number[];
  /** Response length, in `lengthUnit`. */
  length?: number[];
  lengthUnit?: 'tokens' | 'characters';
  category?: string[];
  id?: string[];
  instruction?: string[];
  response?: string[];
  /** An external grade of the same items (a run's config grade.field, e.g. gpt4_score), NaN where an item lacks it. */
  external?: ExternalGrade;
}

/** A grade from the data beside the run's own label: its field, its scale and one value per item. */
export interface ExternalGrade {
  name: string;
  grade: number[];
  minGrade: number;
  maxGrade: number;
  badBelow: number;
  /** Where the scale came from: the run's eval/report.json, or the config defaults (said in the report). */
  scaleSource: 'input' | 'default';
}

export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  valPearson?: number;
}

/** The judge trainer's per-epoch history (train stage manifest, `metrics`). */
export interface TrainingInfo {
  history: EpochPoint[];
  /** Before any step: the untrained judge, i.e. the zero-shot self-evaluation. */
  initial?: Omit<EpochPoint, 'epoch'>;
  best?: EpochPoint;
  items?: number;
  trainItems?: number;
  valItems?: number;
}

/** How much next-token probability the ten digits got in the self-evaluation, per item and view. */
export interface DigitMassItem {
  id: string;
  view: 'with reference' | 'reference-free';
  mass: number;
  /** "full" or "partial" (a top-k backend hid some digits). */
  coverage?: string;
  missing?: number[];
}

export interface DigitMassInfo {
  items: DigitMassItem[];
  /** Items below this mass are flagged. */
  floor: number;
  floorSource: 'config' | 'option' | 'default';
  /** Items a stage rejected for too little digit mass (its manifest's `extra.digitMass`); they have no record. */
  rejected?: { stage: string; count: number; /** Items the stage saw (records + rejects). */ of?: number }[];
}

/** A calibrated threshold (calibration.json of a run, or `selfj calibrate`'s threshold file), read defensively. */
export interface CalibrationInfo {
  tau: number | null;
  targetRisk: number;
  delta: number;
  n?: number;
  coverage?: number;
  selectedRisk?: number;
  riskUpperBound?: number;
  gridSize?: number;
  method?: string;
  /** Per grid threshold on the calibration split, when the file has them. */
  candidates?: { threshold: number; answered: number; bad: number; risk: number; pValue?: number; rejected?: boolean }[];
  /** On the test split at tau (a run's eval/report.json `selection`). */
  test?: { coverage: number; risk: number; answered?: number };
  /** Every other scalar field of the file, shown as is (new calibration methods add fields). */
  other: Record<string, string | number | boolean | null>;
}

export interface RankingInfo {
  models: { model: string; items: number; meanScore: number; meanReference?: number }[];
  agreement?: { spearman: number; kendallTauB: number };
}

/** One number the authors of a meta-evaluation set published, with where it was read. */
export interface PublishedNumber {
  judge: string;
  metric: string;
  value: number;
  source: string;
}

/** A set of a `selfj meta-eval` result (format selfj.meta-eval/v1), read defensively. */
export interface MetaEvalSet {
  name: string;
  title: string;
  /** pointwise, pairwise, ranking or bon (best-of-N); anything else is drawn as its own kind. */
  kind: string;
  protocol?: string;
  /** The metric to plot for this set. */
  primary: string;
  tieRule?: string;
  items?: number;
  skipped?: number;
  published: PublishedNumber[];
  error?: string;
}

export interface MetaEvalRow {
  set: string;
  judge: string;
  usesReference?: boolean;
  status: string;
  reason?: string;
  n: number;
  rejected: number;
  metrics: Record<string, number | null>;
}

export interface MetaEvalInfo {
  createdAt?: string;
  sets: MetaEvalSet[];
  rows: MetaEvalRow[];
}

export interface PipelineStageRow {
  stage: string;
  status?: string;
  records?: number;
  rejected?: number;
  seconds?: number;
  configHash?: string;
  model?: string;
  modelFingerprint?: string;
  /** Template fingerprints, "name=hash" joined. */
  templates?: string;
  complete?: boolean;
}

export interface PipelineInfo {
  dir: string;
  stages: PipelineStageRow[];
  judgeMode?: string;
}

/** What loaders produce and `buildReport` takes. */
export interface ReportInputs {
  title?: string;
  /** The files and directories read, shown in the report. */
  sources?: string[];
  items?: ScoredItems;
  /** Aggregate evaluation from a file, used when there are no per-item scores. */
  evaluation?: { trained?: EvaluationReport; zeroShot?: EvaluationReport };
  pairwise?: PairwiseAgreement;
  calibration?: CalibrationInfo;
  training?: TrainingInfo;
  digitMass?: Omit<DigitMassInfo, 'floor' | 'floorSource'> & { floor?: number };
  ranking?: RankingInfo;
  metaEval?: MetaEvalInfo;
  pipeline?: PipelineInfo;
  /** The model that wrote and rated the answers. */
  model?: { id: string; fileHash?: string };
  notes?: string[];
}

/** The inputs with the metrics derived once, as every figure reads them. */
export interface ReportData extends Omit<ReportInputs, 'digitMass' | 'notes'> {
  title: string;
  sources: string[];
  evaluation?: { trained?: EvaluationReport; zeroShot?: EvaluationReport; from: 'items' | 'file' };
  /** The items scored against their external grade (only those that carry it), with the metrics on them. */
  external?: { items: ScoredItems; evaluation: { trained?: EvaluationReport; zeroShot?: EvaluationReport }; missing: number; scaleSource: ExternalGrade['scaleSource'] };
  digitMass?: DigitMassInfo;
  notes: string[];
}
