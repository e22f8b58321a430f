/**
 * The scale-out recipes in deploy/ are checked, not just written: the Kubernetes manifests parse and validate
 * against the Kubernetes API schemas (kubernetes-models, generated from the Kubernetes OpenAPI spec), every key
 * they use is a field of that schema (a wrong-typed value at that key must fail validation: catches typos, which
 * the schemas alone accept), and their selfj settings agree with how selfj reads shards; the SLURM scripts pass
 * bash -n and shellcheck; the Dockerfile copies and runs what exists.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { parseShardSpec } from '@selfj/core/infra';
import { REPO } from './helpers.js';

const DEPLOY = join(REPO, 'deploy');
type Doc = Record<string, unknown>;
const MODELS: Record<string, new (d: Doc) => { validate(): void }> = {
  'batch/v1 Job': Job as never,
  'apps/v1 Deployment': Deployment as never,
  'v1 Service': Service as never,
};

function docs(file: string): Doc[] {
  const parsed = parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'));
  for (const d of parsed) {
    expect(d.errors, file).toEqual([]);
    expect(d.warnings, file).toEqual([]);
  }
  return parsed.map((d) => d.toJS() as Doc);
}

function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion} ${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(structuredClone(doc)).validate();
}

/** Every key path of a document (objects and array elements walked). */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => paths(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...paths(x, [...at, k])]);
  return [];
}

function withValue(doc: Doc, path: (string | number)[], value: unknown): Doc {
  const copy = structuredClone(doc);
  let o = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return copy;
}

/** A value of the wrong type for whatever is there now: the schema must reject it if it knows the field. */
const wrong = (v: unknown) => (typeof v === 'string' ? { not: 'a string' } : typeof v === 'number' || typeof v === 'boolean' ? { not: 'a scalar' } : 12345);

const envOf = (c: Doc, name: string) => ((c.env as { name: string; value: string }[] | undefined) ?? []).find((e) => e.name === name)?.value;
const container = (job: Doc) => ((job.spec as Doc).template as { spec: { containers: Doc[] } }).spec.containers[0];
const arg = (c: Doc, flag: string) => (c.args as string[]).find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);

describe('deploy/ recipes', () => {
  const files = ['k8s/vllm.yaml', 'k8s/sample-shards.yaml', 'k8s/merge-job.yaml'];

  it('every Kubernetes manifest parses and validates against the Kubernetes API schema', () => {
    const kinds = files.flatMap((f) => docs(f).map((d) => `${d.apiVersion} ${d.kind}`));
    expect(kinds).toEqual(['apps/v1 Deployment', 'v1 Service', 'batch/v1 Job', 'batch/v1 Job']);
    for (const f of files) for (const d of docs(f)) expect(() => validate(d), f).not.toThrow();
  });

  it('every key the manifests use is a field the schema knows (a wrong type there fails validation)', () => {
    // The check itself: a misspelt field is accepted by the schema, a known one with a wrong type is not.
    const job = docs('k8s/sample-shards.yaml')[0];
    expect(() => validate(withValue(job, ['spec', 'completionMod'], 12345))).not.toThrow();
    expect(() => validate(withValue(job, ['spec', 'completionMode'], 12345))).toThrow();
    const unknown: string[] = [];
    for (const f of files) {
      for (const d of docs(f)) {
        for (const p of paths(d)) {
          if (p[0] === 'metadata' && (p[1] === 'labels' || p[1] === 'annotations') && p.length > 2) continue; // free-form maps
          if (p.includes('matchLabels') && p[p.length - 1] !== 'matchLabels') continue;
          if (p.includes('selector') && d.kind === 'Service' && p.length > 2) continue;
          let v: unknown = d;
          for (const k of p) v = (v as Record<string | number, unknown>)[k];
          try {
            validate(withValue(d, p, wrong(v)));
            unknown.push(`${f}: ${p.join('.')}`);
          } catch {
            /* known field: rejected */
          }
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('the Indexed Job shards the way selfj reads shards, against the vLLM Service, and the merge job reads its output', () => {
    const [vllmDeploy, svc] = docs('k8s/vllm.yaml');
    const [job] = docs('k8s/sample-shards.yaml');
    const [merge] = docs('k8s/merge-job.yaml');
    const spec = job.spec as Doc;
    const c = container(job);
    expect(spec.completionMode).toBe('Indexed');
    expect((spec.template as { spec: Doc }).spec.restartPolicy).toBe('Never'); // required by backoffLimitPerIndex
    expect(arg(c, '--shard')).toBe('auto');
    const count = envOf(c, 'SELFJ_SHARD_COUNT');
    expect(Number(count)).toBe(spec.completions);
    // selfj's own reader gives pod i shard i of `completions`
    expect(parseShardSpec('auto', { JOB_COMPLETION_INDEX: String(Number(spec.completions) - 1), SELFJ_SHARD_COUNT: count })).toEqual({ index: Number(spec.completions) - 1, count: spec.completions });
    // the backend URL names the Service, its port and a served model name of the Deployment
    const backend = new URL(arg(c, '--backend')!.replace(/^openai:/, ''));
    expect(backend.hostname).toBe((svc.metadata as Doc).name);
    expect(Number(backend.port)).toBe(((svc.spec as Doc).ports as { port: number }[])[0].port);
    expect(container(vllmDeploy).args).toContain(`--served-model-name=${backend.hash.slice(1)}`);
    // the merge joins exactly the sharded stage's --out, on the same volume
    expect(container(merge).args).toEqual(['merge', arg(c, '--out')]);
    const claim = (d: Doc) => (((d.spec as Doc).template as { spec: { volumes: { persistentVolumeClaim: { claimName: string } }[] } }).spec.volumes[0].persistentVolumeClaim.claimName);
    expect(new Set([claim(job), claim(merge), claim(vllmDeploy)]).size).toBe(1);
  });

  it('docs/scale-out.md shows the manifest and the SLURM script exactly as checked here', () => {
    const doc = readFileSync(join(REPO, 'docs/scale-out.md'), 'utf8');
    expect(doc).toContain(readFileSync(join(DEPLOY, 'k8s/sample-shards.yaml'), 'utf8'));
    expect(doc).toContain(readFileSync(join(DEPLOY, 'slurm/sample-array.sbatch'), 'utf8'));
  });

  it('the SLURM scripts pass bash -n; the array is contiguous from 0 and selfj reads it as shards 0..N-1', () => {
    for (const f of ['slurm/sample-array.sbatch', 'slurm/submit-sample.sh']) execFileSync('bash', ['-n', join(DEPLOY, f)]);
    const text = readFileSync(join(DEPLOY, 'slurm/sample-array.sbatch'), 'utf8');
    const m = /^#SBATCH --array=(\d+)-(\d+)(%\d+)?$/m.exec(text);
    expect(m?.[1]).toBe('0');
    const n = Number(m![2]) + 1;
    expect(text).toContain('--shard auto');
    expect(parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: String(n - 1), SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: String(n) })).toEqual({ index: n - 1, count: n });
  });

  it('the SLURM scripts pass shellcheck', (ctx) => {
    if (spawnSync('shellcheck', ['--version']).status !== 0) return ctx.skip('shellcheck is not installed (apt-get install shellcheck)');
    const r = spawnSync('shellcheck', [join(DEPLOY, 'slurm/sample-array.sbatch'), join(DEPLOY, 'slurm/submit-sample.sh')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the Dockerfile copies from and runs paths that exist, on the Node version selfj requires', () => {
    const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((x) => x[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const engines = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).engines.node as string; // ">=20.19"
    const [, maj, min] = /(\d+)\.(\d+)/.exec(engines)!;
    for (const f of froms) {
      const v = /^node:(\d+)\.(\d+)/.exec(f);
      expect(v, f).not.toBeNull();
      expect(Number(v![1]) > Number(maj) || (Number(v![1]) === Number(maj) && Number(v![2]) >= Number(min)), f).toBe(true);
    }
    const link = /ln -s (\/opt\/selfj\/(\S+)) /.exec(text)!;
    expect(existsSync(join(REPO, link[2]))).toBe(true);
    expect(JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')).bin.selfj).toBe(`./${link[2].replace('packages/cli/', '')}`);
    expect(text).toMatch(/^ENTRYPOINT \["selfj"\]$/m);
    expect(existsSync(join(DEPLOY, 'Dockerfile.dockerignore'))).toBe(true);
  });

  it('builds the image and runs selfj merge --help in it', (ctx) => {
    if (process.env.SELFJ_TEST_DOCKER !== '1') return ctx.skip('set SELFJ_TEST_DOCKER=1 to build the image (needs a Docker daemon, the npm registry and minutes)');
    if (spawnSync('docker', ['info']).status !== 0) return ctx.skip('no Docker daemon');
    execFileSync('docker', ['build', '-f', join(DEPLOY, 'Dockerfile'), '-t', 'selfj:test', REPO], { stdio: 'inherit' });
    expect(execFileSync('docker', ['run', '--rm', 'selfj:test', 'merge', '--help'], { encoding: 'utf8' })).toContain('selfj merge');
  });
});
