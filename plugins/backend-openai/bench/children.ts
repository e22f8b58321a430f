/** Starting and stopping `selfj serve` child processes (serve-child.ts) for the benchmarks. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Served {
  url: string;
  child: ChildProcess;
}

export async function startServer(config: Record<string, unknown>): Promise<Served> {
  const child = fork(fileURLToPath(new URL('./serve-child.js', import.meta.url)), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve(String(m)));
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code})`)));
  });
  return { url, child };
}

export async function stopServers(servers: Served[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.child.once('exit', () => resolve());
          s.child.disconnect();
          setTimeout(() => s.child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}
