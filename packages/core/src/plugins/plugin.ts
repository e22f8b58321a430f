/**
 * What a plugin is: a package or a module file whose default export (or `plugin` export) declares what it
 * provides, each entry a factory keyed by the scheme of the ids it serves ("llama-cpp" serves
 * "llama-cpp:/m.gguf"). Every kind of plugin is one field here; `extensions` carries entries that later
 * features define for themselves (report figures, meta-evaluation sets) without core knowing their types.
 */
import type { SelfjConfig } from '../config/index.js';
import type { Embedder, ModelBackend } from '../contracts/backend.js';
import type { Judge } from '../contracts/judge.js';
import type { DatasetLoader } from '../contracts/records.js';
import type { Sampler } from '../contracts/sampler.js';
import type { Similarity } from '../contracts/similarity.js';
import type { Trainer } from '../contracts/trainer.js';

export type PluginOptions = Record<string, unknown>;

/** What a factory can ask the registry it was called from for (the registry implements it). */
export interface PluginHost {
  create<K extends PluginKind>(kind: K, id: string, options?: PluginOptions, ctx?: PluginContext): Promise<PluginProducts[K]>;
  createBackend(id: string, options?: PluginOptions, ctx?: PluginContext): Promise<ModelBackend>;
  createEmbedder(id: string, options?: PluginOptions, ctx?: PluginContext): Promise<Embedder>;
  createDataset(uri: string, options?: PluginOptions, ctx?: PluginContext): Promise<DatasetLoader>;
  extensions<T = unknown>(point: string): Promise<{ plugin: string; name: string; value: T }[]>;
}

/** What a factory may use besides its spec and options. */
export interface PluginContext {
  /** The registry the factory was called from (to open a backend or embedder a judge needs). */
  registry: PluginHost;
  /** The run's policy backend, opened on first use and shared (samplers and judges of "the" model use it). */
  policy(): Promise<ModelBackend>;
  /** The resolved config of the command, when it has one (templates, settings). */
  config?: SelfjConfig;
  signal?: AbortSignal;
  /** One-line notices for the user (a download's progress, waiting for a server). */
  notice?(line: string): void;
}

export type Factory<T> = (spec: string, options: PluginOptions, ctx: PluginContext) => Promise<T>;

export interface Plugin {
  name: string;
  backends?: Record<string, Factory<ModelBackend>>;
  embedders?: Record<string, Factory<Embedder>>;
  datasets?: Record<string, Factory<DatasetLoader>>;
  samplers?: Record<string, Factory<Sampler>>;
  judges?: Record<string, Factory<Judge>>;
  similarities?: Record<string, Factory<Similarity>>;
  trainers?: Record<string, Factory<Trainer>>;
  /** Entries for extension points that features define: `{"report.figures": {"my-figure": {...}}}`. */
  extensions?: Record<string, Record<string, unknown>>;
}

export type PluginKind = 'backends' | 'embedders' | 'datasets' | 'samplers' | 'judges' | 'similarities' | 'trainers';
export const PLUGIN_KINDS: readonly PluginKind[] = ['backends', 'embedders', 'datasets', 'samplers', 'judges', 'similarities', 'trainers'];

/** What each kind makes, for typed factories. */
export interface PluginProducts {
  backends: ModelBackend;
  embedders: Embedder;
  datasets: DatasetLoader;
  samplers: Sampler;
  judges: Judge;
  similarities: Similarity;
  trainers: Trainer;
}

/** Identity function that type-checks a plugin object (use it as the default export). */
export function definePlugin<P extends Plugin>(plugin: P): P {
  return plugin;
}

export function isPlugin(x: unknown): x is Plugin {
  if (typeof x !== 'object' || x === null || typeof (x as Plugin).name !== 'string') return false;
  const p = x as Record<string, unknown>;
  return [...PLUGIN_KINDS, 'extensions'].every((k) => p[k] === undefined || (typeof p[k] === 'object' && p[k] !== null));
}

/** "backends" -> "backend", for messages. */
export function kindNoun(kind: PluginKind): string {
  return kind === 'similarities' ? 'similarity' : kind.slice(0, -1);
}
