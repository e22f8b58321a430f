import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { z } from 'zod';
import { SelfjError } from '@selfj/core';
import { defineCommand } from '../options/command.js';
import { configFlags, modelFlags } from '../options/common.js';
import { policyId, resolveCommandConfig, sessionArgs, withSession } from '../session.js';

const flags = {
  ...configFlags,
  backend: modelFlags.backend,
  model: modelFlags.model,
  threads: { ...modelFlags.threads, describe: 'CPU threads for an in-process backend (passed as the backend option "threads")' },
  host: { schema: z.string().min(1).default('127.0.0.1'), describe: 'Interface to listen on (0.0.0.0 for all: no authentication!)' },
  port: { schema: z.int().min(0).max(65535).default(8080), describe: 'TCP port (0 picks a free one)' },
  embedder: { schema: z.string().min(1).optional(), describe: "Embedder id for /v1/embeddings, e.g. static:<vectors.bin> (default: the backend's own, if any)" },
  'model-name': { schema: z.string().min(1).optional(), describe: 'Model id clients send (default: the file name without .gguf)' },
  'api-key-env': { schema: z.string().min(1).optional(), describe: 'Require Authorization: Bearer <key>, the key read from this environment variable' },
  'log-requests': { schema: z.boolean().default(false), describe: 'One stderr line per request' },
  contexts: {
    schema: z.int().min(1).max(64).optional(),
    describe:
      'Independent model contexts of an in-process backend (backend option "contexts"): a short request runs in one while a long one holds another, with exact results (default 2 on a machine with 2+ cores unless the config sets contexts or sequences; each costs one KV cache)',
  },
  parallel: {
    schema: z.int().min(1).max(1024).optional(),
    describe: "Units of model work at once, shared fairly by all requests (default: the backend's concurrency, contexts x sequences for llama-cpp)",
  },
  'max-request-prompts': { schema: z.int().min(1).default(256), describe: 'Most prompts in one request (more: 413, the client splits)' },
  'max-request-tokens': { schema: z.int().min(1).default(65536), describe: 'Most prompts x max_tokens in one request (more: 413; one prompt over it: 400)' },
  'max-body-mb': { schema: z.number().positive().default(16), describe: 'Largest request body in MiB (more: 413)' },
} as const;

/** `selfj serve`: an OpenAI-compatible HTTP server over any selfj backend (a local GGUF by default). */
export default defineCommand({
  command: 'serve',
  describe: 'Serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/completions, /v1/chat/completions, /v1/embeddings)',
  flags,
  run: async ({ args: cli, own: args }) => {
    const { config, configFile } = resolveCommandConfig(cli, flags);
    const { startOpenAIServer } = await import('@selfj/backend-openai');
    const keyEnv = args['api-key-env'];
    const apiKey = keyEnv ? process.env[keyEnv] : undefined;
    if (keyEnv && !apiKey) {
      throw new SelfjError('BAD_CONFIG', `--api-key-env ${keyEnv}: that environment variable is empty or not set.`, {
        solutions: [`export ${keyEnv}=<a long random key>`, 'Or drop --api-key-env to serve without authentication (loopback only)'],
      });
    }
    await withSession({ args: sessionArgs(cli, args), backendOptions: contextsOption(config.backend.options, args.contexts), config, configFile, server: true }, async (s) => {
    const backend = await s.ctx.policy();
    const closing = new AbortController();
    let server: Awaited<ReturnType<typeof startOpenAIServer>> | undefined;
    const embedder = args.embedder ? await s.registry.createEmbedder(args.embedder, {}, s.ctx) : undefined;
    try {
      const source = args.model ?? policyId(config);
      const modelName =
        args['model-name'] ?? (source.includes('#') ? source.slice(source.indexOf('#') + 1).split(';')[0] : basename(source).replace(/\.gguf$/i, ''));
      server = await startOpenAIServer({
        backend,
        embedder,
        host: args.host,
        port: args.port,
        modelName,
        signal: closing.signal,
        apiKey,
        parallel: args.parallel,
        maxPromptsPerRequest: args['max-request-prompts'],
        maxTokensPerRequest: args['max-request-tokens'],
        maxBodyBytes: Math.round(args['max-body-mb'] * 1024 * 1024),
        log: args['log-requests'] ? (line) => process.stderr.write(`selfj serve: ${line}\n`) : undefined,
      });
      if (cli.json) process.stdout.write(`${JSON.stringify({ url: server.url, model: modelName, backend: backend.id })}\n`);
      else {
        const auth = keyEnv ? `, API key from $${keyEnv} required` : '';
        process.stdout.write(`selfj serve: ${server.url} (model "${modelName}", ${backend.id}, parallel ${server.parallel}${auth}); Ctrl-C to stop\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (!cli.quiet && !cli.json) process.stderr.write('selfj serve: stopping (finishing requests in flight)\n');
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      closing.abort();
      await server.close();
    } finally {
      if (server) await server.close();
      await embedder?.close?.();
    }
    });
  },
});

/**
 * Serve's default for in-process backends: two contexts where there are two cores, so one long generation does not
 * hold every request back (the fair scheduler keeps one free for newcomers). The config's own choice wins.
 */
function contextsOption(options: Record<string, unknown> | undefined, flag: number | undefined): Record<string, unknown> {
  if (flag !== undefined) return { contexts: flag };
  if (options && ('contexts' in options || 'sequences' in options)) return {};
  return { contexts: Math.min(2, availableParallelism()) };
}
