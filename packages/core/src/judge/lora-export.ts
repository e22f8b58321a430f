/**
 * The scale-out trainer: `selfj export` writes the paired teacher/student data set (one JSONL line per item) and
 * a launch folder for LoRA fine-tuning of the LLM itself with PEFT under accelerate or torchrun. Format: docs/lora-export.md.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../infra/atomic.js';
import { readJsonl } from '../infra/jsonl.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { BINS, twoHot } from '../stages/label-math.js';
import { inputIdentity, num, recordKey, runnerCommon, stageHash, str, type StageCommon } from '../stages/common.js';
import { viewPrompts, viewTemplateHashes } from '../stages/views.js';
import type { TemplateSet } from '../stages/templates.js';
import { PAPER_LORA, TRAIN_SCRIPT, accelerateYaml, launchScript, type LoraLaunchConfig } from './lora-script.js';

export interface ExportOptions extends StageCommon {
  input: string;
  templates: Pick<TemplateSet, 'withReference' | 'referenceFree'>;
  /** Chat messages (rendered by the trainer with the model's chat template) or plain text prompts. */
  chat: boolean;
  /** Hugging Face model id or path for the launch config. */
  baseModel: string;
  processes?: number;
  seed?: number;
  lora?: Partial<LoraLaunchConfig>;
}

export interface ExportResult extends StageRunResult {
  launchDir: string;
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
  const cfg = { ...PAPER_LORA, baseModel: o.baseModel, seed: o.seed ?? 0, ...o.lora, data: '../records.jsonl', output: './selfj-judge-lora' };
  writeJsonAtomic(join(launchDir, 'lora-config.json'), cfg);
  writeFileAtomic(join(launchDir, 'train_selfj_lora.py'), TRAIN_SCRIPT);
  writeFileAtomic(join(launchDir, 'accelerate.yaml'), accelerateYaml(processes));
  writeFileAtomic(join(launchDir, 'launch.sh'), launchScript(processes));
  return { ...r, launchDir };
}
