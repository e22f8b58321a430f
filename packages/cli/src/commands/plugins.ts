import { DEFAULT_PLUGINS, PLUGIN_KINDS, type InstalledEntry, type PluginKind } from '@selfj/core';
import { defineCommand } from '../options/command.js';
import { configFlags } from '../options/common.js';
import { resolveCommandConfig, sessionArgs, withSession } from '../session.js';

const flags = { ...configFlags } as const;

interface Listed extends InstalledEntry {
  description?: string;
}

const describeOf = (pkg: string) => DEFAULT_PLUGINS.find((d) => d.package === pkg)?.description;

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c].length))) ?? [];
  return rows.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')}`.trimEnd());
}

/**
 * `selfj plugins`: what this selfj can use, by kind: every scheme with the plugin package that provides it (the
 * built-ins, the default plugins that are installed, and the config's "plugins" and --plugin, which are loaded
 * here so that a broken one fails now with its reason), then the default packages that are not installed.
 */
export default defineCommand({
  command: 'plugins',
  describe: 'List the installed plugins by kind (backends, embedders, data sets, samplers, judges, similarities, trainers) and the package providing each',
  flags,
  extend: (y) =>
    y.example('$0 plugins', 'the built-ins and the default plugins').example('$0 plugins --config selfj.config.json', 'also the plugins the config lists'),
  run: async ({ args }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, {}), config, configFile }, async (s) => {
      await s.registry.loadConfigured();
      const kinds = {} as Record<PluginKind, Listed[]>;
      for (const kind of PLUGIN_KINDS) kinds[kind] = (await s.registry.installed(kind)).map((e) => ({ ...e, description: describeOf(e.plugin) }));
      const listed = new Set(PLUGIN_KINDS.flatMap((k) => kinds[k].map((e) => e.plugin)));
      const notInstalled = DEFAULT_PLUGINS.filter((d) => !listed.has(d.package)).map((d) => ({ package: d.package, provides: d.provides, description: d.description }));
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ kinds, notInstalled })}\n`);
        return;
      }
      const lines: string[] = [];
      for (const kind of PLUGIN_KINDS) {
        lines.push(`${kind}:`);
        lines.push(...(kinds[kind].length ? table(kinds[kind].map((e) => [e.scheme, e.plugin, e.description ?? ''])) : ['  (none)']));
      }
      if (notInstalled.length) {
        lines.push('not installed (npm install <package>; selfj then finds it by itself):');
        lines.push(...table(notInstalled.map((d) => [d.package, d.description])));
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  },
});
