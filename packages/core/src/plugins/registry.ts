/**
 * The plugin registry: plugins are npm packages (or files) whose module exports `default` (or `plugin`) of type
 * Plugin. They are loaded lazily with dynamic import, so the core never depends on a plugin; a missing package
 * gives PLUGIN_NOT_FOUND with the install command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Embedder, ModelBackend } from '../contracts/backend.js';
import { SelfjError, isSelfjError } from '../errors.js';
import type { DatasetLoader } from '../contracts/records.js';
import { DEFAULT_BACKEND_PACKAGES, parseBackendId } from './backend-id.js';

export type PluginOptions = Record<string, unknown>;
export type BackendFactory = (spec: string, options: PluginOptions) => Promise<ModelBackend>;
export type EmbedderFactory = (spec: string, options: PluginOptions) => Promise<Embedder>;
export type DatasetFactory = (spec: string, options: PluginOptions) => Promise<DatasetLoader>;
/** Trainers are defined by the engine; the registry only carries their factories. */
export type TrainerFactory = (spec: string, options: PluginOptions) => Promise<unknown>;

export interface Plugin {
  name: string;
  backends?: Record<string, BackendFactory>;
  embedders?: Record<string, EmbedderFactory>;
  datasets?: Record<string, DatasetFactory>;
  trainers?: Record<string, TrainerFactory>;
}

export type PluginKind = 'backends' | 'embedders' | 'datasets' | 'trainers';

export interface RegistryOptions {
  /** Plugin packages (or paths to plugin modules) from the config file; loaded on first use, in order. */
  plugins?: string[];
  /** Directory to resolve plugin packages from (default: wherever @selfj/core itself resolves them). */
  resolveFrom?: string;
  /** scheme -> package overrides for backends (added to DEFAULT_BACKEND_PACKAGES). */
  backendPackages?: Record<string, string>;
}

function isPlugin(x: unknown): x is Plugin {
  return typeof x === 'object' && x !== null && typeof (x as Plugin).name === 'string';
}

/** Finds `<dir>/node_modules/<pkg>` walking up from `from`, and its ESM entry file. */
function resolvePackageEntry(pkg: string, from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const root = join(dir, 'node_modules', pkg);
    const manifest = join(root, 'package.json');
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports?: unknown;
        module?: string;
        main?: string;
      };
      const dot = typeof json.exports === 'object' && json.exports !== null ? (json.exports as Record<string, unknown>)['.'] ?? json.exports : json.exports;
      let entry: string | undefined;
      if (typeof dot === 'string') entry = dot;
      else if (typeof dot === 'object' && dot !== null) {
        const d = dot as Record<string, unknown>;
        entry = [d.import, d.default, d.node].find((v): v is string => typeof v === 'string');
      }
      return join(root, entry ?? json.module ?? json.main ?? 'index.js');
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function notFound(pkg: string, cause?: unknown, why = `Plugin package ${pkg} is not installed.`): SelfjError {
  return new SelfjError('PLUGIN_NOT_FOUND', why, {
    cause,
    details: { package: pkg },
    solutions: [`npm install ${pkg}`, 'Check the plugin name in your selfj config ("plugins").'],
  });
}

function isModuleNotFound(e: unknown, pkg: string): boolean {
  const code = (e as { code?: string })?.code;
  const msg = e instanceof Error ? e.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && msg.includes(pkg);
}

/** Loads one plugin module by package name or file path. */
export async function loadPlugin(nameOrPath: string, resolveFrom?: string): Promise<Plugin> {
  const isPath = nameOrPath.startsWith('.') || isAbsolute(nameOrPath);
  let specifier = nameOrPath;
  if (isPath) {
    const file = resolve(resolveFrom ?? process.cwd(), nameOrPath);
    if (!existsSync(file)) throw notFound(nameOrPath, undefined, `Plugin file ${file} does not exist.`);
    specifier = pathToFileURL(file).href;
  } else if (resolveFrom) {
    const entry = resolvePackageEntry(nameOrPath, resolveFrom);
    if (!entry) throw notFound(nameOrPath);
    specifier = pathToFileURL(entry).href;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    if (isModuleNotFound(e, nameOrPath)) throw notFound(nameOrPath, e);
    throw new SelfjError('PLUGIN_NOT_FOUND', `Plugin ${nameOrPath} failed to load: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      details: { package: nameOrPath },
      solutions: [`Reinstall it: npm install ${nameOrPath}`, 'Build it first if it is a workspace package (npm run build).'],
    });
  }
  const plugin = mod.default ?? mod.plugin;
  if (!isPlugin(plugin)) {
    throw new SelfjError('BAD_CONFIG', `${nameOrPath} is not a selfj plugin: it must export \`default\` (or \`plugin\`) = {name, backends?, embedders?, datasets?, trainers?}.`, {
      details: { package: nameOrPath },
    });
  }
  return plugin;
}

export class PluginRegistry {
  private readonly loaded = new Map<string, Plugin>();
  private readonly configured: string[];
  private readonly backendPackages: Record<string, string>;

  constructor(private readonly options: RegistryOptions = {}) {
    this.configured = [...(options.plugins ?? [])];
    this.backendPackages = { ...DEFAULT_BACKEND_PACKAGES, ...(options.backendPackages ?? {}) };
  }

  /** Registers an already-imported plugin (tests, embedding apps). */
  register(plugin: Plugin, key = plugin.name): this {
    this.loaded.set(key, plugin);
    return this;
  }

  async load(nameOrPath: string): Promise<Plugin> {
    const hit = this.loaded.get(nameOrPath);
    if (hit) return hit;
    const plugin = await loadPlugin(nameOrPath, this.options.resolveFrom);
    this.loaded.set(nameOrPath, plugin);
    return plugin;
  }

  /** Every plugin named in the config, loaded. */
  async loadConfigured(): Promise<Plugin[]> {
    return Promise.all(this.configured.map((p) => this.load(p)));
  }

  /** Finds the factory for `scheme` among registered/configured plugins, then the scheme's default package. */
  async factory<K extends PluginKind>(kind: K, scheme: string): Promise<NonNullable<Plugin[K]>[string]> {
    const fromLoaded = () => {
      for (const p of this.loaded.values()) {
        const f = p[kind]?.[scheme];
        if (f) return f as NonNullable<Plugin[K]>[string];
      }
      return undefined;
    };
    let f = fromLoaded();
    if (f) return f;
    await this.loadConfigured();
    f = fromLoaded();
    if (f) return f;
    const pkg = kind === 'backends' ? this.backendPackages[scheme] : undefined;
    if (pkg) {
      const plugin = await this.load(pkg);
      const g = plugin[kind]?.[scheme];
      if (g) return g as NonNullable<Plugin[K]>[string];
      throw new SelfjError('BAD_CONFIG', `Plugin ${pkg} does not provide the ${kind.slice(0, -1)} "${scheme}".`);
    }
    throw new SelfjError('PLUGIN_NOT_FOUND', `No plugin provides the ${kind.slice(0, -1)} scheme "${scheme}".`, {
      details: { scheme, kind },
      solutions: [
        `Known backend schemes: ${Object.keys(this.backendPackages).join(', ')}.`,
        'Add the plugin package that provides it to "plugins" in your selfj config and npm install it.',
      ],
    });
  }

  /** `createBackend("llama-cpp:/m.gguf")`, `createBackend("openai:http://h:8000/v1#model")`. */
  async createBackend(id: string, options: PluginOptions = {}): Promise<ModelBackend> {
    const { scheme, spec } = parseBackendId(id);
    const factory = await this.factory('backends', scheme);
    try {
      return await factory(spec, options);
    } catch (e) {
      if (isSelfjError(e)) throw e;
      throw new SelfjError('MODEL_LOAD_FAILED', `Backend ${id} failed to start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async createEmbedder(id: string, options: PluginOptions = {}): Promise<Embedder> {
    const { scheme, spec } = parseBackendId(id);
    return (await this.factory('embedders', scheme))(spec, options);
  }

  async createDataset(id: string, options: PluginOptions = {}): Promise<DatasetLoader> {
    const { scheme, spec } = parseBackendId(id);
    return (await this.factory('datasets', scheme))(spec, options);
  }
}

const defaultRegistry = new PluginRegistry();

/** Creates a backend from its id with the default registry (default plugin package per scheme). */
export function createBackend(id: string, options: PluginOptions = {}): Promise<ModelBackend> {
  return defaultRegistry.createBackend(id, options);
}
