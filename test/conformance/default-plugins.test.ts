import { describe, expect, it } from 'vitest';
import { DEFAULT_PLUGINS, PLUGIN_KINDS, isPlugin, type Plugin } from '@selfj/core';

/** The default plugin list is data that the registry trusts: check it against what each package really exports. */
describe('the default plugin list matches the packages', () => {
  for (const known of DEFAULT_PLUGINS) {
    it(`${known.package} provides exactly the schemes listed for it`, async () => {
      const mod = (await import(known.package)) as { default?: unknown; plugin?: unknown };
      const plugin = (mod.default ?? mod.plugin) as Plugin;
      expect(isPlugin(plugin)).toBe(true);
      for (const kind of PLUGIN_KINDS) {
        const provided = Object.keys(plugin[kind] ?? {}).sort();
        expect(provided, `${known.package} ${kind}`).toEqual([...(known.provides[kind] ?? [])].sort());
      }
    });
  }
});
