/** JSON schema of the pipeline config (for editors: "$schema" in selfj.config.json; `selfj run --schema` prints it). */
import { DEFAULT_CONFIG } from './config.js';

const num = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'number', description, ...extra });
const int = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'integer', description, ...extra });
const str = (description: string) => ({ type: 'string', description });
const obj = (description: string, properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  description,
  properties,
  required,
  additionalProperties: false,
});
const template = obj('Prompt template override', { system: str('System message'), user: str('Body with {{instruction}}, {{response}}, {{reference}}'), answerPrefix: str('Plain-text suffix before the digit') });

export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://selfj.dev/schema/selfj.config.json',
  title: 'selfj pipeline config',
  ...obj(
    'One file drives `selfj run`: data, backend, and each stage.',
    {
      $schema: str('Path or URL of this schema'),
      out: str(`Output directory, one sub-directory per stage (default ${DEFAULT_CONFIG.out})`),
      seed: int('Seed for sampling, splits and training', { minimum: 0 }),
      onBadRecord: { enum: ['fail', 'skip'], description: 'Stop at the first bad record, or write it to rejects.jsonl and go on' },
      plugins: { type: 'array', items: { type: 'string' }, description: 'Plugin packages to load' },
      data: obj('Instructions with references (JSONL)', {
        file: str('JSONL file, one instruction per line'),
        fields: obj('Field names in the file', { id: str('id'), instruction: str('instruction'), reference: str('reference answer'), category: str('category') }),
        limit: int('Use only the first N records', { minimum: 1 }),
      }, ['file']),
      backend: obj('The policy model', {
        id: str('"<scheme>:<model>", e.g. "llama-cpp:/models/q.gguf" or "openai:http://localhost:8000/v1#model"'),
        options: { type: 'object', description: 'Backend options (plugin specific)' },
        concurrency: int('Batches in flight against this backend', { minimum: 1 }),
        batchSize: int('Prompts per backend call', { minimum: 1 }),
      }, ['id']),
      templates: obj('Prompt overrides', { withReference: template, referenceFree: template, sample: template }),
      sample: obj('Sampling', {
        samples: int('Responses per instruction', { minimum: 1 }),
        temperature: num('Temperature', { minimum: 0 }),
        topP: num('Top-p', { minimum: 0, maximum: 1 }),
        maxTokens: int('Max new tokens', { minimum: 1 }),
        stop: { type: 'array', items: { type: 'string' } },
      }),
      similarity: obj('Embedding similarity z2', {
        embedder: str('Embedder id, e.g. "static:/path/vectors.bin"'),
        options: { type: 'object' },
        batchSize: int('Texts per embed call', { minimum: 1 }),
      }),
      label: obj('z = combine(z1, z2)', {
        w1: num('Weight of z1'),
        w2: num('Weight of z2'),
        bias: num('Added constant'),
        z2Floor: { type: ['number', 'null'], description: 'Floor of z2 before weighting (null: none)' },
        clip: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
        normalize: { type: 'boolean', description: 'z-normalise each part over the data set first' },
      }),
      train: obj('Head trainer', {
        epochs: int('Max epochs', { minimum: 1 }),
        batchSize: int('Items per step', { minimum: 1 }),
        lr: num('Peak learning rate', { exclusiveMinimum: 0 }),
        warmupSteps: int('Linear warm-up steps', { minimum: 0 }),
        weightDecay: num('AdamW weight decay', { minimum: 0 }),
        studentWeight: num('a in CE_t + a CE_s + b KL', { minimum: 0 }),
        klWeight: num('b in CE_t + a CE_s + b KL', { minimum: 0 }),
        valSplit: num('Held-out share for early stopping', { minimum: 0, maximum: 0.9 }),
        patience: int('Epochs without improvement before stopping', { minimum: 1 }),
      }),
      calibrate: obj('Threshold tau', {
        targetRisk: num('Highest acceptable share of bad answers among answered', { exclusiveMinimum: 0, maximum: 1 }),
        delta: num('1 - confidence of the guarantee', { exclusiveMinimum: 0, maximum: 1 }),
        badBelow: num('A label z below this is a bad answer'),
      }),
      splits: obj('Shares of instruction ids per split (by hash of the id)', {
        train: num('Judge training', { exclusiveMinimum: 0, maximum: 1 }),
        calibrate: num('Choosing tau', { minimum: 0, maximum: 1 }),
        test: num('Reported metrics', { minimum: 0, maximum: 1 }),
      }),
    },
    ['data', 'backend'],
  ),
};
