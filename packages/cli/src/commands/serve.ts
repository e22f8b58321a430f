import { basename } from 'node:path';
import type { CommandModule } from 'yargs';
import { SelfjError, createBackend, type Embedder, type ModelBackend } from '@selfj/core';

interface Args {
  json: boolean;
  quiet: boolean;
  model?: string;
  backend?: string;
  threads?: number;
  host: string;
  port: number;
  embedder?: string;
  'model-name'?: string;
  'log-requests': boolean;
  'api-key-env'?: string;
}

/** A backend id ("openai:...", "llama-cpp:...") rather than a GGUF path or an hf: model reference. */
function isBackendId(s: string): boolean {
  const m = /^([a-z][a-z0-9+.-]+):/.exec(s);
  return m !== null && m[1] !== 'hf';
}

/** --model / --backend: a backend id through the plugin registry, else a GGUF path or hf: ref for llama-cpp. */
async function openServeBackend(given: string | undefined, args: Args): Promise<ModelBackend> {
  const id = given && isBackendId(given) ? given : `llama-cpp:${given ?? ''}`;
  if (id.startsWith('llama-cpp:')) {
    const { createLlamaCppBackend } = await import('@selfj/backend-llama-cpp');
    const spec = id.slice('llama-cpp:'.length);
    return createLlamaCppBackend(spec === '' ? 'default' : spec, {
      threads: args.threads ?? 2,
      onNotice: (m: string) => {
        if (!args.quiet && !args.json) process.stderr.write(`selfj: ${m}\n`);
      },
    });
  }
  return createBackend(id, args.threads ? { threads: args.threads } : {});
}

/** --embedder: static word vectors (static:<file> or a .bin path), or an embedder id from a plugin. */
async function openServeEmbedder(spec: string | undefined): Promise<Embedder | undefined> {
  if (!spec) return undefined;
  if (spec.startsWith('static:') || !isBackendId(spec)) {
    const { StaticEmbedder } = await import('@selfj/embed-static');
    return StaticEmbedder.load({ path: spec.replace(/^static:/, '') });
  }
  const { PluginRegistry } = await import('@selfj/core');
  return new PluginRegistry().createEmbedder(spec);
}

/** `selfj serve`: an OpenAI-compatible HTTP server over any selfj backend (a local GGUF by default). */
const command: CommandModule<object, Args> = {
  command: 'serve',
  describe: 'Serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/completions, /v1/chat/completions, /v1/embeddings)',
  builder: (y) =>
    y
      .option('model', { type: 'string', describe: 'Backend id (llama-cpp:..., openai:...) or a GGUF path / hf:owner/repo/file.gguf (default: the default model)' })
      .option('backend', { type: 'string', describe: 'Backend id (same as --model with a scheme)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on (0.0.0.0 for all: no authentication!)' })
      .option('port', { type: 'number', default: 8080, describe: 'TCP port (0 picks a free one)' })
      .option('embedder', { type: 'string', describe: 'Embedder for /v1/embeddings: static:<vectors.bin> or a plugin id (default: the backend\'s own, if any)' })
      .option('model-name', { type: 'string', describe: 'Model id clients send (default: the file name without .gguf)' })
      .option('threads', { type: 'number', describe: 'CPU threads for the in-process backend (default 2)' })
      .option('api-key-env', { type: 'string', describe: 'Require Authorization: Bearer <key>, the key read from this environment variable' })
      .option('log-requests', { type: 'boolean', default: false, describe: 'One stderr line per request' }) as never,
  handler: async (args) => {
    const { startOpenAIServer } = await import('@selfj/backend-openai');
    const keyEnv = args['api-key-env'];
    const apiKey = keyEnv ? process.env[keyEnv] : undefined;
    if (keyEnv && !apiKey) {
      throw new SelfjError('BAD_CONFIG', `--api-key-env ${keyEnv}: that environment variable is empty or not set.`, {
        solutions: [`export ${keyEnv}=<a long random key>`, 'Or drop --api-key-env to serve without authentication (loopback only)'],
      });
    }
    const given = args.model ?? args.backend;
    const backend = await openServeBackend(given, args);
    const closing = new AbortController();
    let server: Awaited<ReturnType<typeof startOpenAIServer>> | undefined;
    try {
      const embedder = await openServeEmbedder(args.embedder);
      const source = given ?? backend.id;
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
        log: args['log-requests'] ? (line) => process.stderr.write(`selfj serve: ${line}\n`) : undefined,
      });
      if (args.json) process.stdout.write(`${JSON.stringify({ url: server.url, model: modelName, backend: backend.id })}\n`);
      else {
        const auth = keyEnv ? `, API key from $${keyEnv} required` : '';
        process.stdout.write(`selfj serve: ${server.url} (model "${modelName}", ${backend.id}${auth}); Ctrl-C to stop\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          if (!args.quiet && !args.json) process.stderr.write('selfj serve: stopping (finishing requests in flight)\n');
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      closing.abort();
      await server.close();
      await embedder?.close?.();
    } finally {
      if (server) await server.close();
      await backend.close();
    }
  },
};
export default command;
