/**
 * The scale-out trainer: `selfj export` writes the paired teacher/student data set (one JSONL line per item), the
 * same rows as data shards per split (each training process reads its own files), and a launch folder for LoRA
 * fine-tuning of the LLM itself with PEFT under accelerate (DDP or DeepSpeed ZeRO-2) or torchrun.
 * Format: docs/lora-export.md; at scale: docs/scale-out.md.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../infra/atomic.js';
import { readJsonl } from '../infra/jsonl.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { BINS, twoHot } from '../stages/label-math.js';
import { SelfjError } from '../errors.js';
import { inputIdentity, num, recordKey, runnerCommon, stageHash, str, type StageCommon } from '../stages/common.js';
import { viewPrompts, viewTemplateHashes } from '../stages/views.js';
import type { TemplateSet } from '../stages/templates.js';
import { PAPER_LORA, TRAIN_SCRIPT, accelerateYaml, deepspeedConfig, launchScript, type LoraLaunchConfig } from './lora-script.js';

export interface ExportOptions extends StageCommon {
  input: string;
  templates: Pick<TemplateSet, 'withReference' | 'referenceFree'>;
  /** Chat messages (rendered by the trainer with the model's chat template) or plain text prompts. */
  chat: boolean;
  /** Hugging Face model id or path for the launch config. */
  baseModel: string;
  /** GPUs per machine. */
  processes?: number;
  /** Machines (multi-node accelerate/torchrun). */
  nodes?: number;
  /** Data shards per split (default: one per training process, nodes x processes). */
  dataShards?: number;
  seed?: number;
  lora?: Partial<LoraLaunchConfig>;
}

export interface DataShardIndex {
  format: 'selfj-lora-shards/1';
  /** Rows with no split are training rows. */
  splits: Record<string, { rows: number; files: { path: string; rows: number; sha256: string }[] }>;
}

export interface ExportResult extends StageRunResult {
  launchDir: string;
  dataDir: string;
  dataIndex: DataShardIndex;
}

const shardName = (split: string, i: number, n: number) => `${split}-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.jsonl`;

/**
 * Splits the exported pairs into `count` files per split: row j of a split goes to file j mod count (sizes differ
 * by at most one, order kept within a file). Rewritten whole from records.jsonl, each file atomically.
 */
export async function writeDataShards(recordsFile: string, dataDir: string, count: number): Promise<DataShardIndex> {
  if (!(Number.isInteger(count) && count >= 1)) throw new SelfjError('BAD_INPUT', `Data shards must be a positive integer, got ${count}.`);
  mkdirSync(dataDir, { recursive: true });
  type Out = { fd: number; tmp: string; path: string; rows: number; hash: ReturnType<typeof createHash> };
  const splits = new Map<string, Out[]>();
  const open = (split: string) => {
    let files = splits.get(split);
    if (!files) {
      if (!/^[A-Za-z0-9_.-]+$/.test(split)) throw new SelfjError('BAD_INPUT', `Split name ${JSON.stringify(split)} cannot be a file name.`);
      files = Array.from({ length: count }, (_, i) => {
        const path = shardName(split, i, count);
        const tmp = join(dataDir, `.${path}.tmp-${process.pid}`);
        return { fd: openSync(tmp, 'w'), tmp, path, rows: 0, hash: createHash('sha256') };
      });
      splits.set(split, files);
    }
    return files;
  };
  const counters = new Map<string, number>();
  try {
    for await (const l of readJsonl(recordsFile)) {
      if (!l.value) throw new SelfjError('ARTIFACT_CORRUPT', `${recordsFile}:${l.line}: ${l.error}`);
      const split = typeof l.value.split === 'string' ? l.value.split : 'train';
      const j = counters.get(split) ?? 0;
      counters.set(split, j + 1);
      const f = open(split)[j % count];
      const line = `${JSON.stringify(l.value)}\n`;
      writeSync(f.fd, line);
      f.hash.update(line);
      f.rows++;
    }
  } finally {
    for (const files of splits.values()) for (const f of files) closeSync(f.fd);
  }
  // Old shard files (another count, a split gone) would be read by the trainer: remove them.
  for (const name of readdirSync(dataDir)) if (/-of-\d{5}\.jsonl$/.test(name)) rmSync(join(dataDir, name));
  const index: DataShardIndex = { format: 'selfj-lora-shards/1', splits: {} };
  for (const [split, files] of [...splits].sort(([a], [b]) => a.localeCompare(b))) {
    for (const f of files) renameSync(f.tmp, join(dataDir, f.path));
    index.splits[split] = { rows: files.reduce((s, f) => s + f.rows, 0), files: files.map((f) => ({ path: f.path, rows: f.rows, sha256: f.hash.digest('hex') })) };
  }
  writeJsonAtomic(join(dataDir, 'index.json'), index);
  return index;
}

export async function runExport(o: ExportOptions): Promise<ExportResult> {
  const input = await inputIdentity(o.input);
  const templates = viewTemplateHashes(o.templates, o.chat);
  const configHash = stageHash({ stage: 'export', templates, chat: o.chat, input: input.configHash });
  const r = await runStage<{ instruction: string; reference: string; response: string; z: number; split?: string; category?: string }, Record<string, unknown>>({
    stage: 'export',
    dir: o.dir,
    manifest: { configHash, config: { chat: o.chat, format: 'selfj-lora-pairs/1' }, templates, input },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      return {
        key: recordKey(v),
        value: {
          instruction: str(v, 'instruction'),
          reference: str(v, 'reference'),
          response: typeof v.response === 'string' ? v.response : str(v, 'response'),
          z: num(v, 'z', 0, 9),
          split: typeof v.split === 'string' ? v.split : undefined,
          category: typeof v.category === 'string' ? v.category : undefined,
        },
      };
    },
    async process(batch) {
      return batch.map((it) => {
        const p = viewPrompts(o.templates, it, o.chat);
        const digit = String(Math.round(it.z));
        return {
          teacher: { prompt: p.teacher, completion: digit },
          student: { prompt: p.student, completion: digit },
          label: Number(digit),
          // the texts the prompts were rendered from: the trainer shortens response and reference to fit its cut-off
          parts: { instruction: it.instruction, reference: it.reference, response: it.response },
          z: it.z,
          target: Array.from(twoHot(it.z, BINS), (x) => Number(x.toFixed(6))),
          ...(it.split ? { split: it.split } : {}),
          ...(it.category ? { category: it.category } : {}),
        };
      });
    },
    batchSize: 256,
    ...runnerCommon(o),
  });
  const launchDir = join(o.dir, 'launch');
  const processes = o.processes ?? 8;
  const nodes = o.nodes ?? 1;
  const dataDir = join(o.dir, 'data');
  const dataIndex = await writeDataShards(r.recordsFile, dataDir, o.dataShards ?? processes * nodes);
  const cfg = {
    ...PAPER_LORA,
    baseModel: o.baseModel,
    seed: o.seed ?? 0,
    ...o.lora,
    data: '../records.jsonl',
    dataIndex: '../data/index.json',
    output: './selfj-judge-lora',
    // to re-render a prompt with a shortened response and reference when it is over cutoffLen
    templates: { withReference: o.templates.withReference, referenceFree: o.templates.referenceFree },
    chat: o.chat,
  };
  writeJsonAtomic(join(launchDir, 'lora-config.json'), cfg);
  writeFileAtomic(join(launchDir, 'train_selfj_lora.py'), TRAIN_SCRIPT);
  writeFileAtomic(join(launchDir, 'accelerate.yaml'), accelerateYaml(processes, nodes));
  writeFileAtomic(join(launchDir, 'accelerate-deepspeed.yaml'), accelerateYaml(processes, nodes, 'ds_zero2.json'));
  writeJsonAtomic(join(launchDir, 'ds_zero2.json'), deepspeedConfig(cfg, processes * nodes));
  writeFileAtomic(join(launchDir, 'launch.sh'), launchScript(processes, nodes));
  return { ...r, launchDir, dataDir, dataIndex };
}
