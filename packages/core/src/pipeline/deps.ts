/**
 * Opening the pipeline's parts by id through the registry: the sampler, similarity, trainer and judge the config
 * names (built-in by default), the policy from the context, and a loader when data.source is not plain JSONL.
 */
import type { SelfjConfig } from '../config/index.js';
import type { Embedder, ModelBackend } from '../contracts/backend.js';
import type { PluginContext } from '../plugins/plugin.js';
import { createContext, type PluginRegistry } from '../plugins/registry.js';
import { isPlainJsonl } from '../stages/data.js';
import { createRegistry } from './builtin-plugin.js';
import { loaderOptions } from './loader-options.js';
import type { PipelineDeps } from './run.js';
import { pipelineJudge } from './stage-jobs.js';

export async function openPipelineDeps(registry: PluginRegistry, ctx: PluginContext, c: SelfjConfig): Promise<PipelineDeps> {
  const [backend, sampler, similarity, trainer] = await Promise.all([
    ctx.policy(),
    registry.create('samplers', c.sample.sampler, {}, ctx),
    registry.create('similarities', c.similarity.scorer, {}, ctx),
    registry.create('trainers', c.train.trainer, c.train.trainerOptions, ctx),
  ]);
  const dataset = c.data.source && !isPlainJsonl(c.data.source, c.data.options) ? await registry.createDataset(c.data.source, loaderOptions(c), ctx) : undefined;
  return {
    backend,
    sampler,
    similarity,
    trainer,
    dataset,
    judge: (trained) => registry.create('judges', pipelineJudge(c, trained), {}, ctx),
  };
}

/**
 * The built-in parts around a backend and an embedder you already hold (tests, apps that embed selfj). Neither
 * is closed by the pipeline.
 */
export function builtinDeps(backend: ModelBackend, embedder: Embedder, c: SelfjConfig): Promise<PipelineDeps> {
  const registry = createRegistry({ defaults: [] }).register({ name: 'given', embedders: { given: async () => embedder } });
  const ctx = createContext(registry, { config: { ...c, similarity: { ...c.similarity, embedder: 'given:embedder' } }, openPolicy: async () => backend });
  return openPipelineDeps(registry, ctx, ctx.config!);
}
