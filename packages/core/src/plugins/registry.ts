/**
 * The plugin registry: one per command, built from the built-in plugins, the default plugin list (data, see
 * default-plugins.ts), the config's `plugins` and `--plugin` flags. Plugins load lazily by dynamic import, so core
 * never depends on one and a command loads only what its ids need. An id nobody provides is a PLUGIN_NOT_FOUND
 * error that lists what is installed and, where known, the package that would provide it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Embedder, ModelBackend } from '../contracts/backend.js';
import type { DatasetLoader } from '../contracts/records.js';
import { SelfjError, isSelfjError } from '../errors.js';
import { parseBackendId, parseDatasetId } from './backend-id.js';
import { DEFAULT_PLUGINS, type KnownPlugin } from './default-plugins.js';
import { PLUGIN_KINDS, isPlugin, kindNoun, type PluginHost, type Factory, type Plugin, type PluginContext, type PluginKind, type PluginOptions, type PluginProducts } from './plugin.js';

export interface RegistryOptions {
  /** Plugin packages or module paths (config `plugins`, then `--plugin`); loaded on first use, in order. */
  plugins?: string[];
  /** Directory plugin packages and relative plugin paths resolve from (the config file's directory). */
  resolveFrom?: string;
  /** The known plugins (default: DEFAULT_PLUGINS). Pass [] for a registry with only what is registered. */
  defaults?: readonly KnownPlugin[];
}

/** Finds `<dir>/node_modules/<pkg>` walking up from `from`, and its ESM entry file. */
function resolvePackageEntry(pkg: string, from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, 'node_modules', pkg, 'package.json');
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; module?: string; main?: string };
      const dot = typeof json.exports === 'object' && json.exports !== null ? ((json.exports as Record<string, unknown>)['.'] ?? json.exports) : json.exports;
      let entry: string | undefined;
      if (typeof dot === 'string') entry = dot;
      else if (typeof dot === 'object' && dot !== null) {
        const d = dot as Record<string, unknown>;
        entry = [d.import, d.default, d.node].find((v): v is string => typeof v === 'string');
      }
      return join(dirname(manifest), entry ?? json.module ?? json.main ?? 'index.js');
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function notInstalled(pkg: string, cause?: unknown, why = `Plugin package ${pkg} is not installed.`): SelfjError {
  return new SelfjError('PLUGIN_NOT_FOUND', why, {
    cause,
    details: { package: pkg },
    solutions: [`npm install ${pkg}`, 'Check the plugin name in your selfj config ("plugins") or --plugin.'],
  });
}

function isModuleNotFound(e: unknown, pkg: string): boolean {
  const code = (e as { code?: string })?.code;
  const msg = e instanceof Error ? e.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && msg.includes(pkg);
}

const isPath = (s: string) => s.startsWith('.') || isAbsolute(s) || s.startsWith('file:');

/** Loads one plugin module by package name or file path (relative paths from `resolveFrom`, else the cwd). */
export async function loadPlugin(nameOrPath: string, resolveFrom?: string): Promise<Plugin> {
  let specifier = nameOrPath;
  if (isPath(nameOrPath)) {
    const file = nameOrPath.startsWith('file:') ? new URL(nameOrPath).pathname : resolve(resolveFrom ?? process.cwd(), nameOrPath);
    if (!existsSync(file)) throw notInstalled(nameOrPath, undefined, `Plugin file ${file} does not exist.`);
    specifier = pathToFileURL(file).href;
  } else if (resolveFrom) {
    const entry = resolvePackageEntry(nameOrPath, resolveFrom);
    if (entry) specifier = pathToFileURL(entry).href;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    if (isModuleNotFound(e, nameOrPath)) throw notInstalled(nameOrPath, e);
    throw new SelfjError('PLUGIN_NOT_FOUND', `Plugin ${nameOrPath} failed to load: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      details: { package: nameOrPath },
      solutions: [`Reinstall it: npm install ${nameOrPath}`, 'Build it first if it is a workspace package (npm run build).'],
    });
  }
  const plugin = mod.default ?? mod.plugin;
  if (!isPlugin(plugin)) {
    throw new SelfjError('BAD_CONFIG', `${nameOrPath} is not a selfj plugin.`, {
      details: { package: nameOrPath },
      solutions: [
        `Its default export must be a plugin object: definePlugin({ name, backends?, embedders?, datasets?, samplers?, judges?, similarities?, trainers?, extensions? }) from @selfj/core.`,
        'Each field maps a scheme to an async factory (spec, options, context) => instance.',
      ],
    });
  }
  return plugin;
}

export interface InstalledEntry {
  scheme: string;
  plugin: string;
  /** False for a default plugin whose package is listed but not loaded yet. */
  loaded: boolean;
}

export class PluginRegistry implements PluginHost {
  private readonly loaded = new Map<string, Plugin>();
  private readonly configured: string[];
  private readonly defaults: readonly KnownPlugin[];

  constructor(private readonly options: RegistryOptions = {}) {
    this.configured = [...new Set(options.plugins ?? [])];
    this.defaults = options.defaults ?? DEFAULT_PLUGINS;
  }

  /** Registers an already-imported plugin (the built-ins, tests, apps that embed selfj). */
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

  /** Every plugin named in the config and flags, loaded (a missing one is an error now, not when first needed). */
  async loadConfigured(): Promise<Plugin[]> {
    const out: Plugin[] = [];
    for (const p of this.configured) out.push(await this.load(p));
    return out;
  }

  private findLoaded<K extends PluginKind>(kind: K, scheme: string): Factory<PluginProducts[K]> | undefined {
    for (const p of this.loaded.values()) {
      const f = (p[kind] as Record<string, Factory<PluginProducts[K]>> | undefined)?.[scheme];
      if (f) return f;
    }
    return undefined;
  }

  /** The factory for `scheme`: registered and configured plugins first, then the default package that lists it. */
  async factory<K extends PluginKind>(kind: K, scheme: string): Promise<Factory<PluginProducts[K]>> {
    let f = this.findLoaded(kind, scheme);
    if (f) return f;
    await this.loadConfigured();
    f = this.findLoaded(kind, scheme);
    if (f) return f;
    const known = this.defaults.find((d) => d.provides[kind]?.includes(scheme));
    if (known) {
      await this.load(known.package);
      f = this.findLoaded(kind, scheme);
      if (f) return f;
      throw new SelfjError('BAD_CONFIG', `Plugin ${known.package} is listed as providing the ${kindNoun(kind)} "${scheme}" but does not.`, {
        solutions: [`Update ${known.package} to the version that matches @selfj/core`],
      });
    }
    const installed = await this.installed(kind);
    throw new SelfjError('PLUGIN_NOT_FOUND', `No plugin provides the ${kindNoun(kind)} scheme "${scheme}".`, {
      details: { scheme, kind, installed: installed.map((e) => e.scheme) },
      solutions: [
        installed.length
          ? `Use one of the installed ${kindNoun(kind)} schemes: ${installed.map((e) => `${e.scheme} (${e.plugin})`).join(', ')}.`
          : `No ${kindNoun(kind)} plugin is installed.`,
        `Add the package or module file that provides "${scheme}" to "plugins" in your selfj config (or pass --plugin <package>), and npm install it.`,
        'List what is installed with `selfj plugins`.',
      ],
    });
  }

  /** The schemes of one kind that this registry can serve, with the plugin that provides each. */
  async installed(kind: PluginKind): Promise<InstalledEntry[]> {
    await this.loadConfigured().catch(() => undefined);
    const out: InstalledEntry[] = [];
    const seen = new Set<string>();
    for (const [key, p] of this.loaded) {
      for (const scheme of Object.keys(p[kind] ?? {})) {
        if (!seen.has(scheme)) out.push({ scheme, plugin: p.name ?? key, loaded: true });
        seen.add(scheme);
      }
    }
    for (const d of this.defaults) {
      if (!this.resolvable(d.package)) continue;
      for (const scheme of d.provides[kind] ?? []) {
        if (!seen.has(scheme)) out.push({ scheme, plugin: d.package, loaded: false });
        seen.add(scheme);
      }
    }
    return out;
  }

  /** Entries of one extension point from every loaded plugin (defaults are loaded first so theirs count). */
  async extensions<T = unknown>(point: string): Promise<{ plugin: string; name: string; value: T }[]> {
    await this.loadConfigured();
    const out: { plugin: string; name: string; value: T }[] = [];
    for (const p of this.loaded.values()) for (const [name, value] of Object.entries(p.extensions?.[point] ?? {})) out.push({ plugin: p.name, name, value: value as T });
    return out;
  }

  private resolvable(pkg: string): boolean {
    if (this.options.resolveFrom && resolvePackageEntry(pkg, this.options.resolveFrom)) return true;
    try {
      import.meta.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  }

  /** Makes one instance of `kind` from its id ("<scheme>:<spec>"). */
  async create<K extends PluginKind>(kind: K, id: string, options: PluginOptions = {}, ctx?: PluginContext): Promise<PluginProducts[K]> {
    const { scheme, spec } = kind === 'datasets' ? parseDatasetId(id) : parseId(id);
    const factory = await this.factory(kind, scheme);
    try {
      return await factory(spec, options, ctx ?? createContext(this));
    } catch (e) {
      if (isSelfjError(e)) throw e;
      throw new SelfjError(kind === 'backends' ? 'MODEL_LOAD_FAILED' : 'BAD_CONFIG', `${kindNoun(kind)} ${id} failed to start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  createBackend(id: string, options: PluginOptions = {}, ctx?: PluginContext): Promise<ModelBackend> {
    return this.create('backends', id, options, ctx);
  }

  createEmbedder(id: string, options: PluginOptions = {}, ctx?: PluginContext): Promise<Embedder> {
    return this.create('embedders', id, options, ctx);
  }

  /** A data set from its URI: a path or glob (file:), hf://datasets/owner/name@revision, or another loader's scheme. */
  createDataset(uri: string, options: PluginOptions = {}, ctx?: PluginContext): Promise<DatasetLoader> {
    return this.create('datasets', uri, options, ctx);
  }

  static get kinds(): readonly PluginKind[] {
    return PLUGIN_KINDS;
  }
}

/** Ids of samplers, judges, similarities and trainers may be a bare scheme ("zero-shot", "head"). */
function parseId(id: string): { scheme: string; spec: string } {
  const bare = /^[a-z][a-z0-9+.-]+$/.exec(id.trim());
  return bare ? { scheme: bare[0], spec: '' } : parseBackendId(id);
}

export interface ContextOptions {
  config?: PluginContext['config'];
  signal?: AbortSignal;
  notice?: (line: string) => void;
  /** How the policy backend is opened when something first needs it. */
  openPolicy?: () => Promise<ModelBackend>;
}

/**
 * A context for factories. The policy backend is opened once, on first use, and `close()` closes whatever the
 * context opened (call it when the command ends).
 */
export function createContext(registry: PluginRegistry, o: ContextOptions = {}): PluginContext & { close(): Promise<void> } {
  let policy: Promise<ModelBackend> | undefined;
  return {
    registry,
    config: o.config,
    signal: o.signal,
    notice: o.notice,
    policy() {
      if (!o.openPolicy) {
        return Promise.reject(new SelfjError('BAD_CONFIG', 'This command has no policy model to give a plugin.', { solutions: ['Name a backend with --backend or "backend.id" in the config'] }));
      }
      policy ??= o.openPolicy();
      return policy;
    },
    async close() {
      if (policy) await (await policy.catch(() => undefined))?.close();
    },
  };
}
