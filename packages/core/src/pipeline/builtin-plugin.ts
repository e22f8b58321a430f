/**
 * The plugin core ships: the built-in Sampler, Judges, Similarity and Trainers, registered in every registry the
 * commands build (see createRegistry). Ids: sampler "backend[:<backend id>]"; judges "zero-shot[:<backend id>]"
 * (the policy, or another model as an LLM judge) and "head:<judge dir>"; sampler "recorded[:<field>]" (answers from
 * the data); similarity "embedder[:<embedder id>]";
 * trainers "head" and "lora".
 */
import { resolve } from 'node:path';
import { DEFAULT_CONFIG } from '../config/index.js';
import type { ModelBackend } from '../contracts/backend.js';
import { SelfjError } from '../errors.js';
import { loadJudge } from '../judge/judge-artifact.js';
import { TrainedHeadJudge } from '../judge/trained-head-judge.js';
import { HeadTrainer, LoraTrainer } from '../judge/trainers.js';
import { ZeroShotJudge } from '../judge/zero-shot-judge.js';
import { DEFAULT_IDS } from '../plugins/default-plugins.js';
import { definePlugin, type PluginContext } from '../plugins/plugin.js';
import { PluginRegistry, type RegistryOptions } from '../plugins/registry.js';
import { BackendSampler } from '../stages/backend-sampler.js';
import { RecordedSampler } from '../stages/recorded-sampler.js';
import { EmbedderSimilarity } from '../stages/embedder-similarity.js';
import { mergeTemplates } from '../stages/templates.js';

/** The policy, or another backend named in the spec (then closed with the thing that uses it). */
async function backendFor(spec: string, ctx: PluginContext): Promise<{ backend: ModelBackend; owned: boolean }> {
  if (!spec) return { backend: await ctx.policy(), owned: false };
  return { backend: await ctx.registry.createBackend(spec, {}, ctx), owned: true };
}

function closing<T extends object>(thing: T, backend: { close(): Promise<void> }, owned: boolean): T & { close(): Promise<void> } {
  return Object.assign(thing, { close: () => (owned ? backend.close() : Promise.resolve()) });
}

export const builtinPlugin = definePlugin({
  name: '@selfj/core (built-in)',
  samplers: {
    async recorded(spec) {
      return new RecordedSampler(spec || 'response');
    },
    async backend(spec, _options, ctx) {
      const c = ctx.config ?? DEFAULT_CONFIG;
      const { backend, owned } = await backendFor(spec, ctx);
      return closing(new BackendSampler(backend, mergeTemplates(c.templates).sample, c.backend.concurrency), backend, owned);
    },
  },
  judges: {
    async 'zero-shot'(spec, _options, ctx) {
      const c = ctx.config ?? DEFAULT_CONFIG;
      const { backend, owned } = await backendFor(spec, ctx);
      return closing(new ZeroShotJudge(backend, mergeTemplates(c.templates).referenceFree, c.backend.concurrency, { minDigitMass: c.scoring.minDigitMass }), backend, owned);
    },
    async head(spec, _options, ctx) {
      if (!spec) throw new SelfjError('BAD_CONFIG', 'The judge id "head" needs the judge directory: head:<dir> (a `selfj train` output).');
      const c = ctx.config ?? DEFAULT_CONFIG;
      return TrainedHeadJudge.create(await ctx.policy(), mergeTemplates(c.templates).referenceFree, loadJudge(resolve(spec)), c.backend.concurrency, { minDigitMass: c.scoring.minDigitMass });
    },
  },
  similarities: {
    async embedder(spec, _options, ctx) {
      const c = ctx.config ?? DEFAULT_CONFIG;
      const id = spec || c.similarity.embedder || DEFAULT_IDS.embedder;
      return new EmbedderSimilarity(await ctx.registry.createEmbedder(id, c.similarity.options, ctx));
    },
  },
  trainers: {
    async head(_spec, _options, ctx) {
      const c = ctx.config ?? DEFAULT_CONFIG;
      return new HeadTrainer(await ctx.policy(), mergeTemplates(c.templates), c.train, { batchSize: c.backend.batchSize, concurrency: c.backend.concurrency });
    },
    async lora(_spec, options, ctx) {
      const c = ctx.config ?? DEFAULT_CONFIG;
      const baseModel = typeof options.baseModel === 'string' ? options.baseModel : undefined;
      if (!baseModel) throw new SelfjError('BAD_CONFIG', 'The lora trainer needs options.baseModel (a Hugging Face model id or path).');
      const chat = typeof options.chat === 'boolean' ? options.chat : (await ctx.policy()).capabilities().chatTemplate;
      return new LoraTrainer(mergeTemplates(c.templates), { chat, baseModel, processes: typeof options.processes === 'number' ? options.processes : undefined });
    },
  },
});

/** A registry with the built-ins registered: what every command uses. */
export function createRegistry(options: RegistryOptions = {}): PluginRegistry {
  return new PluginRegistry(options).register(builtinPlugin);
}
