/**
 * The one config schema. Everything about the pipeline config comes from here: the TypeScript types (z.output),
 * runtime validation (resolve.ts), the JSON schema for editors (`selfj run --schema`), the defaults, and the CLI
 * flags that override a setting (the CLI reads a flag's type and description from the setting it maps to).
 * Defaults and why they were chosen: docs/method.md.
 */
import { z } from 'zod';

// .describe() goes last: zod keeps a description on the schema it is called on, and a wrapper added after it
// (.default()) has none, so the CLI (which reads the outermost schema) would show the flag without one.
const probability = (what: string, byDefault: number) => z.number().gt(0).max(1).default(byDefault).describe(what);
const options = (what: string) => z.record(z.string(), z.unknown()).default({}).describe(what);

// Each part optional on its own (not .partial(), whose optional wrappers would hide the descriptions).
export const templateSchema = z
  .strictObject({
    system: z.string().optional().describe('System message (chat models) or preamble (plain text)'),
    user: z.string().optional().describe('Body with {{instruction}}, {{response}} and (teacher view) {{reference}} placeholders'),
    answerPrefix: z.string().optional().describe('Plain-text mode: text after the body, right before the digit the model is read at'),
  })
  .describe('Prompt template override (any subset of its parts)');

export const dataSchema = z
  .strictObject({
    source: z
      .string()
      .default('')
      .describe('Data set: a local file or glob (JSONL, JSON, CSV, Parquet, .gz), file:<path>, or hf://datasets/<owner>/<name>@<revision>'),
    fields: z
      .strictObject({
        id: z.string().default('id').describe('Field with a stable id (records without one get their line number)'),
        instruction: z.string().default('instruction').describe('Field with the instruction'),
        reference: z.string().default('reference').describe('Field with the reference answer'),
        category: z.string().default('category').describe('Field with the category (optional in the data)'),
      })
      .prefault({})
      .describe('Field names in a flat JSONL file'),
    limit: z.int().min(1).optional().describe('Use only the first N instructions'),
    options: options('Options for the data set loader plugin (e.g. preset, mapping, split, config)'),
  })
  .prefault({})
  .describe('Instructions with reference answers');

export const backendSchema = z
  .strictObject({
    id: z.string().default('').describe('"<scheme>:<model>", e.g. "llama-cpp:/models/q.gguf" or "openai:http://localhost:8000/v1#model"'),
    options: options('Backend options (plugin specific, e.g. threads for llama-cpp)'),
    concurrency: z.int().min(1).default(1).describe('Backend calls in flight at once'),
    batchSize: z.int().min(1).default(4).describe('Prompts per backend call'),
  })
  .prefault({})
  .describe('The policy model');

export const sampleSchema = z
  .strictObject({
    samples: z.int().min(1).default(1).describe('Responses per instruction'),
    temperature: z.number().min(0).default(0.7).describe('Sampling temperature (0: greedy)'),
    topP: probability('Nucleus sampling: keep the smallest set of tokens with this much probability', 0.9),
    maxTokens: z.int().min(1).default(512).describe('Most new tokens per response'),
    stop: z.array(z.string().min(1)).optional().describe('Stop strings (a list)'),
    sampler: z.string().min(1).default('backend').describe('Sampler id: "backend" (the policy with the sample template), "backend:<backend id>", or a plugin\'s'),
  })
  .prefault({})
  .describe('Stage 1: sampling responses from the policy');

export const similaritySchema = z
  .strictObject({
    embedder: z.string().default('').describe('Embedder id, e.g. "static:/path/vectors.bin" (default: the static word vectors)'),
    options: options('Embedder options (plugin specific)'),
    batchSize: z.int().min(1).default(256).describe('Texts per embed call'),
    scorer: z.string().min(1).default('embedder').describe('Similarity id: "embedder" (cosine of the embedder above), "embedder:<embedder id>", or a plugin\'s'),
  })
  .prefault({})
  .describe('Stage 3: similarity of each response to its reference (z2)');

export const scoringSchema = z
  .strictObject({
    minDigitMass: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe(
        'Floor on the digit mass (the probability the ten score digits get together at the answer position): an item below it is a bad record (rejected under onBadRecord skip), since the renormalised digits of a model that barely answers with a digit are noise. 0 turns it off',
      ),
  })
  .prefault({})
  .describe('Reading a score from next-token digit probabilities (self-eval and the zero-shot and trained judges)');

export const labelSchema = z
  .strictObject({
    w1: z.number().default(0.5).describe('Weight of z1 (self-evaluation with the reference, 0..9)'),
    w2: z.number().default(4.5).describe('Weight of z2 (cosine similarity; 4.5 = 9/2 puts it on the digit scale)'),
    bias: z.number().default(0).describe('Added to the weighted sum'),
    z2Floor: z.number().nullable().default(0).describe('z2 is raised to this floor before weighting (null: no floor)'),
    clip: z
      .tuple([z.number(), z.number()])
      .default([0, 9])
      .refine(([lo, hi]) => lo < hi, { message: 'expected [low, high] with low < high' })
      .describe('The label is clipped to [low, high]'),
    normalize: z.boolean().default(false).describe('z-normalise z1 and z2 over the data set before combining'),
  })
  .prefault({})
  .describe('Stage 4: the label z = clip(w1 z1 + w2 max(z2, floor) + bias)');

export const trainSchema = z
  .strictObject({
    epochs: z.int().min(1).default(30).describe('Most epochs'),
    batchSize: z.int().min(1).default(32).describe('Items per optimiser step'),
    lr: z.number().gt(0).default(3e-3).describe('Peak learning rate'),
    warmupSteps: z.int().min(0).default(10).describe('Linear warm-up steps'),
    weightDecay: z.number().min(0).default(0.01).describe('AdamW weight decay'),
    studentWeight: z.number().min(0).default(0.3).describe('a in loss = CE_teacher + a CE_student + b KL'),
    klWeight: z.number().min(0).default(2).describe('b in loss = CE_teacher + a CE_student + b KL'),
    valSplit: z.number().min(0).max(0.9).default(0.2).describe('Share of training items held out for early stopping'),
    patience: z.int().min(1).default(5).describe('Epochs without validation improvement before stopping'),
    trainer: z.string().min(1).default('head').describe('Trainer id: "head" (in-process judge head), "lora" (export for GPU fine-tuning), or a plugin\'s'),
    trainerOptions: options('Options for the trainer (lora: baseModel, processes, chat)'),
  })
  .prefault({})
  .describe('Stage 5: training the reference-free judge head');

export const judgeSchema = z
  .strictObject({
    id: z.string().default('').describe('Judge for stage 6: empty = the judge the trainer made, else zero-shot; or "zero-shot", "zero-shot:<backend id>", "head:<dir>", a plugin\'s'),
  })
  .prefault({})
  .describe('Stage 6: the reference-free judge');

export const calibrateSchema = z
  .strictObject({
    // below 1: a target of 1 certifies nothing (calibrateThreshold refuses it), so the config and flag refuse it first
    targetRisk: z.number().gt(0).lt(1).default(0.2).describe('Highest acceptable share of bad answers among those answered, in (0, 1)'),
    delta: z.number().gt(0).lt(1).default(0.1).describe('1 - confidence of the risk guarantee'),
    badBelow: z.number().default(5).describe('An answer whose label z is below this counts as bad'),
    procedure: z
      .enum(['fixed-sequence', 'bonferroni'])
      .default('fixed-sequence')
      .describe(
        'Multiple-testing procedure over the threshold grid: "fixed-sequence" tests from the highest threshold down at level delta and stops at the first one not certified (valid because the order is fixed in advance; answers more); "bonferroni" tests every threshold at delta / grid size',
      ),
  })
  .prefault({})
  .describe('Choosing the threshold tau with a risk guarantee');

export const gradeSchema = z
  .strictObject({
    field: z
      .string()
      .default('')
      .describe(
        'Field of the data with an external grade of the response (e.g. gpt4_score): it travels through every stage, and the report scores both judges against it as well as against the label z. Empty: none',
      ),
    min: z.number().default(1).describe('The lowest grade of that scale (1 for GPT-4 ratings 1-10); graded loss = (max - grade) / (max - min)'),
    max: z.number().default(10).describe('The highest grade of that scale (10 for GPT-4 ratings 1-10)'),
    badBelow: z.number().default(6).describe('A grade below this is a bad answer'),
  })
  .prefault({})
  .refine((g) => g.max > g.min, { message: 'grade.max must be above grade.min' })
  .describe('An external grade in the data, reported against alongside the self-made label z');

export const splitsSchema = z
  .strictObject({
    train: z.number().gt(0).max(1).default(0.6).describe('Share of instruction ids that train the judge'),
    calibrate: z.number().min(0).max(1).default(0.2).describe('Share that chooses tau'),
    test: z.number().min(0).max(1).default(0.2).describe('Share that the report is measured on'),
  })
  .prefault({})
  .refine((s) => Math.abs(s.train + s.calibrate + s.test - 1) < 1e-9, { message: 'train + calibrate + test must add up to 1' })
  .describe('Instruction ids are split by a hash of the id, so every sample of one instruction lands in one split');

/** The stages `selfj run --workers N` can run as N shard processes (train: its feature extraction). */
export const SHARDABLE_STAGES = ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge'] as const;

export const workersSchema = z
  .strictObject({
    count: z.int().min(1).max(4096).default(1).describe('Shard processes per sharded stage (1: every stage runs in the `selfj run` process)'),
    stages: z
      .array(z.enum(SHARDABLE_STAGES))
      .default(['sample', 'self-eval', 'train', 'judge'])
      .describe('The stages run as shards, then merged (train: the feature extraction; the head trains once after the merge)'),
    upstreams: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Backend ids of servers that serve the policy model (replicas of backend.id, e.g. one vLLM each): worker i talks to upstreams[i mod M]; the artifacts record backend.id. Empty: every worker opens backend.id itself',
      ),
    parallel: z.int().min(1).optional().describe('Workers running at once (default: all of them)'),
    retries: z.int().min(0).default(1).describe('Restarts of a failed worker (each resumes its shard)'),
  })
  .prefault({})
  .describe('`selfj run` across local worker processes: each listed stage runs as `count` shard processes, merged before the next stage');

const gatewayMode = z.enum(['gate', 'best-of-n', 'cascade', 'shadow']);

export const gatewaySchema = z
  .strictObject({
    upstream: z.string().default('').describe('Backend id the answers come from (default: the policy, backend.id), e.g. "openai:http://vllm:8000/v1#model"'),
    fallback: z.string().default('').describe('Backend id a declined request is sent to in cascade mode (e.g. a larger model)'),
    threshold: z.string().default('').describe('Threshold file written by `selfj calibrate` (tau and the judge it was calibrated for)'),
    unverifiedThreshold: z.boolean().default(false).describe('Accept a threshold file that does not name its judge (its fit cannot be checked)'),
    mode: gatewayMode.default('gate').describe('gate: answer iff score >= tau; best-of-n: best of n answers, iff >= tau; cascade: declined requests go to the fallback; shadow: always answer, log the decision'),
    allowModes: z.array(gatewayMode).default(['gate', 'best-of-n', 'cascade']).describe('Modes a request may choose with "selfj": {"mode": ...} (shadow answers ungated: allow it only on purpose)'),
    n: z.int().min(1).default(4).describe('Answers sampled per request in best-of-n mode (a request may set "selfj": {"n": k})'),
    maxN: z.int().min(1).default(16).describe('Most answers one request may ask for'),
    onJudgeFailure: z.enum(['fail-closed', 'fail-open']).default('fail-closed').describe('When the judge cannot score: decline (fail-closed) or answer marked unscored (fail-open)'),
    declineAs: z.enum(['message', 'error']).default('message').describe('A decline is a normal assistant message (message) or HTTP 422 with a typed error (error)'),
    declineMessage: z
      .string()
      .min(1)
      .default("I can't answer this reliably, so I won't ({{reason}}).")
      .describe('Text of a declined answer; {{reason}}, {{score}} and {{tau}} are filled in'),
    modelName: z.string().default('').describe('Model id clients send and /v1/models lists (default: from the upstream id)'),
    host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on'),
    port: z.int().min(0).max(65535).default(8090).describe('TCP port (0 picks a free one)'),
    apiKeysEnv: z.string().default('').describe('Environment variable with the accepted API keys, comma-separated ("key" or "name:key")'),
    apiKeysFile: z.string().default('').describe('File with the accepted API keys, one per line ("key" or "name:key", # comments); re-read on SIGHUP'),
    rateLimit: z
      .strictObject({
        perKey: z.int().min(0).default(0).describe('Requests per window for one API key (or client address without keys); 0: no limit'),
        windowMs: z.int().min(1).default(60_000).describe('The rate-limit window'),
      })
      .prefault({})
      .describe('Per-key rate limit (429 with Retry-After)'),
    maxBodyBytes: z.int().min(1024).default(4 * 1024 * 1024).describe('Largest request body (413 above it)'),
    requestTimeoutMs: z.int().min(1).default(120_000).describe('A request taking longer is cancelled (504)'),
    judgeTimeoutMs: z.int().min(1).default(30_000).describe('Scoring taking longer counts as a judge failure (see onJudgeFailure)'),
    batch: z
      .strictObject({
        maxSize: z.int().min(1).default(16).describe('Most answers scored in one judge call'),
        maxWaitMs: z.number().min(0).default(0).describe('Longest an answer waits for others to share its judge call while the judge is idle (0: none; answers that arrive while a call runs always leave together when it ends). A few ms can fill batches on a GPU judge'),
      })
      .prefault({})
      .describe('Micro-batching of concurrent requests\' judge scoring'),
    shadowBacklog: z.int().min(1).default(1024).describe('Shadow mode: most answers waiting to be scored (past it they are logged unscored)'),
    log: z
      .strictObject({
        file: z.string().default('').describe('Decision log (append-only JSONL); empty: none'),
        text: z.boolean().default(false).describe('Also log request and answer text'),
        maxBytes: z.int().min(4096).default(64 * 1024 * 1024).describe('Rotate the log past this size'),
        keep: z.int().min(0).default(5).describe('Rotated logs kept (file.1 ... file.N)'),
      })
      .prefault({})
      .describe('The decision log'),
    graceMs: z.int().min(0).default(10_000).describe('On shutdown, how long requests in flight may finish before they are cancelled'),
    watch: z.boolean().default(true).describe('Reload the threshold file and the judge when they change on disk (SIGHUP always reloads)'),
  })
  .prefault({})
  .describe('`selfj gateway`: an OpenAI-compatible server that answers only when the judge says the answer is good');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this schema (for editors)'),
    out: z.string().min(1).default('./selfj-run').describe('Output directory: one sub-directory per stage'),
    seed: z.int().min(0).default(0).describe('Seed for sampling, splits and training'),
    onBadRecord: z.enum(['fail', 'skip']).default('fail').describe('Stop at the first bad record, or write it to rejects.jsonl and go on'),
    plugins: z.array(z.string().min(1)).default([]).describe('Plugin packages or module files to load (in addition to the built-in ones)'),
    data: dataSchema,
    backend: backendSchema,
    templates: z
      .strictObject({
        withReference: templateSchema.optional().describe('Teacher view: self-evaluation with the reference answer'),
        referenceFree: templateSchema.optional().describe('Student view: judging without the reference (the trained judge)'),
        sample: templateSchema.optional().describe('Sampling the responses'),
      })
      .default({})
      .describe('Prompt overrides: withReference (teacher view), referenceFree (student view), sample'),
    sample: sampleSchema,
    similarity: similaritySchema,
    scoring: scoringSchema,
    label: labelSchema,
    train: trainSchema,
    judge: judgeSchema,
    calibrate: calibrateSchema,
    grade: gradeSchema,
    splits: splitsSchema,
    gateway: gatewaySchema,
    workers: workersSchema,
  })
  .describe('selfj pipeline config: one file drives `selfj run`; every stage command reads the same sections');

/** The config after defaults are filled in: what every stage sees. */
export type SelfjConfig = z.output<typeof configSchema>;
/** The config as a user writes it: every setting optional. */
export type SelfjConfigInput = z.input<typeof configSchema>;
export type DataConfig = SelfjConfig['data'];
export type BackendConfig = SelfjConfig['backend'];
export type SampleConfig = SelfjConfig['sample'];
export type SimilarityConfig = SelfjConfig['similarity'];
export type ScoringConfig = SelfjConfig['scoring'];
export type LabelConfig = SelfjConfig['label'];
export type TrainConfig = SelfjConfig['train'];
export type JudgeConfig = SelfjConfig['judge'];
export type CalibrateConfig = SelfjConfig['calibrate'];
export type SplitsConfig = SelfjConfig['splits'];
export type GradeConfig = SelfjConfig['grade'];
export type GatewayConfig = SelfjConfig['gateway'];
export type GatewayMode = GatewayConfig['mode'];
export type WorkersConfig = SelfjConfig['workers'];
export type ShardableStage = (typeof SHARDABLE_STAGES)[number];
