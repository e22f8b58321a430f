/**
 * The plugin object itself: what `selfj` loads from "plugins" in a config. Checks its shape, that a registry (the
 * one every selfj command builds) lists its schemes under its name, and that it creates the ids given.
 */
import { describe, expect, it } from 'vitest';
import { PLUGIN_KINDS, createRegistry, isPlugin, type Plugin, type PluginKind } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS, skipUnless } from './checks.js';

export interface PluginConformanceOptions {
  /** Ids to create through the registry, per kind, e.g. { backends: ['example:builtin'] }. */
  create?: Partial<Record<PluginKind, string[]>>;
  /** Options passed to each factory (the config's "backend.options" and the like). */
  options?: Record<string, unknown>;
  timeoutMs?: number;
}

const SCHEME = /^[a-z][a-z0-9+.-]+$/;

export function runPluginConformance(plugin: unknown, options: PluginConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const name = isPlugin(plugin) ? plugin.name : '(not a plugin)';

  describe(`plugin conformance: ${name}`, () => {
    it('is a selfj plugin: a name, and per kind a map of scheme -> factory function', () => {
      expect(isPlugin(plugin), 'the default export must be definePlugin({ name, backends?, embedders?, ... })').toBe(true);
      const p = plugin as Plugin;
      expect(p.name.length).toBeGreaterThan(0);
      let entries = 0;
      for (const kind of PLUGIN_KINDS) {
        for (const [scheme, factory] of Object.entries(p[kind] ?? {})) {
          expect(SCHEME.test(scheme), `${kind} scheme ${JSON.stringify(scheme)}: lower case, at least 2 characters`).toBe(true);
          expect(typeof factory, `${kind}.${scheme}`).toBe('function');
          entries++;
        }
      }
      for (const [point, map] of Object.entries(p.extensions ?? {})) expect(typeof map, `extensions.${point}`).toBe('object');
      expect(entries + Object.keys(p.extensions ?? {}).length, 'the plugin provides something').toBeGreaterThan(0);
    });

    it('a registry lists every scheme it provides under its name', async () => {
      const p = plugin as Plugin;
      const registry = createRegistry({ defaults: [] }).register(p);
      for (const kind of PLUGIN_KINDS) {
        const listed = (await registry.installed(kind)).filter((e) => e.plugin === p.name).map((e) => e.scheme);
        expect(listed.sort(), kind).toEqual(Object.keys(p[kind] ?? {}).sort());
      }
    });

    it('a registry creates each given id through the plugin', async (ctx) => {
      const ids = Object.entries(options.create ?? {}) as [PluginKind, string[]][];
      skipUnless(ctx, ids.some(([, list]) => list.length > 0), 'no ids to create given (options.create)');
      const p = plugin as Plugin;
      const registry = createRegistry({ defaults: [] }).register(p);
      for (const [kind, list] of ids) {
        for (const id of list) {
          const made = (await registry.create(kind, id, options.options ?? {})) as { id?: unknown; close?: () => Promise<void> };
          expect(typeof made.id === 'string' && made.id.length > 0, `${kind} ${id}: the instance has an id`).toBe(true);
          await made.close?.();
        }
      }
    }, timeout);
  });
}
