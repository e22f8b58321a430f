/**
 * The built-in Trainers. "head" trains the small judge head in-process on the policy's hidden states (the
 * pipeline's default); "lora" writes the teacher/student data set and a launch folder to fine-tune the model
 * itself on a GPU cluster, and returns no judge id because training continues there.
 */
import type { TrainConfig } from '../config/index.js';
import type { ModelBackend } from '../contracts/backend.js';
import type { TrainOutcome, TrainRequest, Trainer } from '../contracts/trainer.js';
import type { StageShard } from '../infra/shard.js';
import type { StageRunResult } from '../infra/stage-runner.js';
import type { TemplateSet } from '../stages/templates.js';
import { runExport } from './lora-export.js';
import { runTrain, runTrainFeatures } from './train-stage.js';

type ViewTemplates = Pick<TemplateSet, 'withReference' | 'referenceFree'>;

export class HeadTrainer implements Trainer {
  readonly id = 'head';
  readonly available: boolean;
  readonly unavailableReason?: string;

  constructor(
    private readonly backend: ModelBackend,
    private readonly templates: ViewTemplates,
    private readonly config: TrainConfig,
    private readonly model: { batchSize?: number; concurrency?: number } = {},
  ) {
    this.available = Boolean(backend.features) && backend.capabilities().features;
    if (!this.available) this.unavailableReason = `backend ${backend.id} gives no hidden-state features (train a LoRA judge instead: trainer "lora" / selfj export)`;
  }

  /**
   * One shard of the feature extraction (into <dir>/features/shard-i-of-N), without training: the head trains once,
   * after `selfj merge <dir>/features`, with an ordinary `train` call.
   */
  extractFeatures(r: TrainRequest, shard: StageShard): Promise<StageRunResult> {
    return runTrainFeatures({ ...r, backend: this.backend, templates: this.templates, config: this.config, ...this.model, shard });
  }

  async train(r: TrainRequest): Promise<TrainOutcome> {
    const res = await runTrain({ ...r, backend: this.backend, templates: this.templates, config: this.config, ...this.model });
    const m = res.manifest.metrics as { initial: { trainLoss: number; valLoss?: number; valPearson?: number }; best: { epoch: number; trainLoss: number; valLoss?: number; valPearson?: number } };
    return {
      status: res.status,
      dir: res.dir,
      seconds: res.seconds,
      items: Number(res.manifest.training.items),
      judge: `head:${res.dir}`,
      metrics: {
        initialLoss: m.initial.valLoss ?? m.initial.trainLoss,
        bestLoss: m.best.valLoss ?? m.best.trainLoss,
        bestEpoch: m.best.epoch,
        initialValPearson: m.initial.valPearson,
        valPearson: m.best.valPearson,
        validation: m.initial.valLoss !== undefined,
      },
    };
  }
}

export class LoraTrainer implements Trainer {
  readonly id = 'lora';
  readonly available = true;

  constructor(
    private readonly templates: ViewTemplates,
    private readonly options: { chat: boolean; baseModel: string; processes?: number },
  ) {}

  async train(r: TrainRequest): Promise<TrainOutcome> {
    const res = await runExport({ ...r, templates: this.templates, ...this.options });
    return {
      status: res.status === 'skipped' ? 'skipped' : 'done',
      dir: res.dir,
      seconds: res.seconds,
      items: res.manifest.counts.records,
      metrics: { launchDir: res.launchDir, records: res.manifest.counts.records, rejected: res.manifest.counts.rejected },
    };
  }
}
