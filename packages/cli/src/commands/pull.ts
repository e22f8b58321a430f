import type { CommandModule } from 'yargs';
import type { Progress } from '@selfj/hub';

interface PullArgs {
  repo: string;
  file: string;
  revision?: string;
  'hub-url'?: string;
  'cache-dir'?: string;
  'verify-cached': boolean;
  json: boolean;
  quiet: boolean;
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

/** A progress line on stderr: redrawn in place on a terminal, one line per 10% otherwise. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  const tty = Boolean(stream.isTTY);
  const started = Date.now();
  let lastDecile = -1;
  return (p) => {
    const total = Number.isFinite(p.total) && p.total > 0 ? p.total : undefined;
    const frac = total ? Math.min(1, p.downloaded / total) : 0;
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = `${mib((p.downloaded - p.resumedFrom) / secs)}/s`;
    const resumed = p.resumedFrom > 0 ? ` (resumed at ${mib(p.resumedFrom)})` : '';
    if (tty) {
      const width = 30;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
      stream.write(`\r${p.path} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${mib(p.downloaded)}${total ? ` / ${mib(total)}` : ''} ${rate}${resumed}\x1b[K`);
      if (total && p.downloaded >= total) stream.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${p.path}: ${decile * 10}% ${mib(p.downloaded)}${total ? ` / ${mib(total)}` : ''}${resumed}\n`);
      }
    }
  };
}

/** `selfj pull <repo> <file>`: a GGUF from the Hugging Face Hub into the standard Hub cache; prints its path. */
const pull: CommandModule<object, PullArgs> = {
  command: 'pull <repo> <file>',
  describe: 'Download a GGUF model from the Hugging Face Hub into the Hub cache (resumable, verified); print its path',
  builder: (y) =>
    y
      .positional('repo', { type: 'string', demandOption: true, describe: 'Hub repository, e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF' })
      .positional('file', { type: 'string', demandOption: true, describe: 'File in the repository, e.g. qwen2.5-0.5b-instruct-q4_k_m.gguf' })
      .option('revision', { type: 'string', describe: 'Branch, tag or commit (default main)' })
      .option('hub-url', { type: 'string', describe: 'Hub endpoint (default HF_ENDPOINT or https://huggingface.co)' })
      .option('cache-dir', { type: 'string', describe: 'Hub cache directory (default HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub)' })
      .option('verify-cached', { type: 'boolean', default: true, describe: 'Re-hash a file that is already cached' })
      .example('$0 pull Qwen/Qwen2.5-0.5B-Instruct-GGUF qwen2.5-0.5b-instruct-q4_k_m.gguf', 'the default model')
      .example('$0 pull ggml-org/models tinyllamas/stories260K.gguf', 'the tiny test model') as never,
  handler: async (args) => {
    // the /pull entry point does not load node-llama-cpp's native runtime
    const { pullModel } = await import('@selfj/backend-llama-cpp/pull');
    const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
    const showProgress = !args.json && !args.quiet && !ci;
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    try {
      const r = await pullModel({
        repo: args.repo,
        file: args.file,
        revision: args.revision,
        hubUrl: args['hub-url'],
        cacheDir: args['cache-dir'],
        verifyCached: args['verify-cached'],
        signal: ac.signal,
        onProgress: showProgress ? progressReporter() : undefined,
      });
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ repo: args.repo, file: args.file, ...r })}\n`);
      } else {
        if (!args.quiet) {
          const how = r.fromCache ? 'already in the cache' : 'downloaded';
          const checks = ['GGUF', 'size', ...(r.verified.sha256 ? ['sha256'] : [])].join(' + ');
          process.stderr.write(`${args.repo}/${args.file}: ${how}, ${mib(r.size)}, verified (${checks}).\n`);
        }
        process.stdout.write(`${r.path}\n`);
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};

export default pull;
