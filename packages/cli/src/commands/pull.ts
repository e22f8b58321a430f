import { z } from 'zod';
import { isCI, Progress } from '@selfj/core/infra';
import type { Progress as DownloadProgress } from '@selfj/hub';
import { defineCommand } from '../options/command.js';

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

/** Download progress through core's one progress renderer (redrawn on a terminal, a line per 10% in a log). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  let bar: Progress | undefined;
  return (p) => {
    const total = Number.isFinite(p.total) && p.total > 0 ? p.total : undefined;
    if (!bar) {
      bar = new Progress({ label: p.path, total, unit: 'bytes', enabled: true, stream });
      if (p.resumedFrom > 0) bar.resumed(p.resumedFrom);
    }
    bar.set(p.downloaded - p.resumedFrom);
    if (total && p.downloaded >= total) bar.finish();
  };
}

const flags = {
  repo: { schema: z.string().min(1), positional: true, describe: 'Hub repository, e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF' },
  file: { schema: z.string().min(1), positional: true, describe: 'File in the repository, e.g. qwen2.5-0.5b-instruct-q4_k_m.gguf' },
  revision: { schema: z.string().min(1).optional(), describe: 'Branch, tag or commit (default main)' },
  'hub-url': { schema: z.url().optional(), describe: 'Hub endpoint (default HF_ENDPOINT or https://huggingface.co)' },
  'cache-dir': { schema: z.string().min(1).optional(), describe: 'Hub cache directory (default HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub)' },
  'verify-cached': { schema: z.boolean().default(true), describe: 'Re-hash a file that is already cached' },
} as const;

/** `selfj pull <repo> <file>`: a GGUF from the Hugging Face Hub into the standard Hub cache; prints its path. */
export default defineCommand({
  command: 'pull <repo> <file>',
  describe: 'Download a GGUF model from the Hugging Face Hub into the Hub cache (resumable, verified); print its path',
  flags,
  extend: (y) =>
    y
      .example('$0 pull Qwen/Qwen2.5-0.5B-Instruct-GGUF qwen2.5-0.5b-instruct-q4_k_m.gguf', 'the default model')
      .example('$0 pull ggml-org/models tinyllamas/stories260K.gguf', 'the tiny test model'),
  run: async ({ args: cli, own: args }) => {
    // the /pull entry point does not load node-llama-cpp's native runtime
    const { pullModel } = await import('@selfj/backend-llama-cpp/pull');
    const showProgress = !cli.json && !cli.quiet && !isCI();
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
      if (cli.json) {
        process.stdout.write(`${JSON.stringify({ repo: args.repo, file: args.file, ...r })}\n`);
      } else {
        if (!cli.quiet) {
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
});
