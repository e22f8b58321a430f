import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from '../src/stages/index.js';
import { PAPER_LORA, runExport } from '../src/judge/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-lora-'));
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;

function labelled(dir: string, n: number): string {
  const f = join(dir, 'label.jsonl');
  const rows = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ key: `q${i}#0`, id: `q${i}`, instruction: `Question ${i}?`, reference: `Answer ${i}.`, response: `Reply ${i}.`, z: (i % 10) * 0.9, ...(i % 4 === 3 ? { split: 'test' } : i % 7 === 0 ? {} : { split: 'train' }) }),
  );
  writeFileSync(f, rows.join('\n') + '\n');
  return f;
}

describe('selfj export at scale: data shards and the launch folder', () => {
  it('writes each split as N balanced shard files whose union (interleaved) is exactly the exported rows', async () => {
    const d = tmp();
    const r = await runExport({ dir: join(d, 'exp'), input: labelled(d, 103), templates: DEFAULT_TEMPLATES, chat: true, baseModel: 'org/m', processes: 4, nodes: 2 });
    const all = lines(r.recordsFile);
    const bySplit = (s: string) => all.filter((l) => (JSON.parse(l).split ?? 'train') === s);
    expect(Object.keys(r.dataIndex.splits).sort()).toEqual(['test', 'train']);
    for (const split of ['train', 'test']) {
      const idx = r.dataIndex.splits[split];
      expect(idx.files.map((f) => f.path)).toEqual(Array.from({ length: 8 }, (_, i) => `${split}-0000${i}-of-00008.jsonl`)); // nodes x processes
      const files = idx.files.map((f) => lines(join(r.dataDir, f.path)));
      const want = bySplit(split);
      expect(idx.rows).toBe(want.length);
      // row j of the split is line floor(j / 8) of file j mod 8
      want.forEach((row, j) => expect(files[j % 8][Math.floor(j / 8)]).toBe(row));
      expect(Math.max(...files.map((f) => f.length)) - Math.min(...files.map((f) => f.length))).toBeLessThanOrEqual(1);
      idx.files.forEach((f, i) => {
        expect(f.rows).toBe(files[i].length);
        expect(f.sha256).toBe(createHash('sha256').update(readFileSync(join(r.dataDir, f.path))).digest('hex'));
      });
    }
    // a re-export with another shard count leaves no stale files for the trainer to read
    const again = await runExport({ dir: join(d, 'exp'), input: join(d, 'label.jsonl'), templates: DEFAULT_TEMPLATES, chat: true, baseModel: 'org/m', processes: 4, dataShards: 3 });
    expect(readdirSync(again.dataDir).sort()).toEqual(['index.json', ...['test', 'train'].flatMap((s) => [0, 1, 2].map((i) => `${s}-0000${i}-of-00003.jsonl`))]);
  });

  it('launch folder: paper hyper-parameters, DeepSpeed ZeRO-2 whose batch sizes match the script, a launch.sh that parses', async () => {
    const d = tmp();
    const r = await runExport({ dir: join(d, 'exp'), input: labelled(d, 20), templates: DEFAULT_TEMPLATES, chat: true, baseModel: 'org/m', processes: 8, nodes: 2 });
    const cfg = JSON.parse(readFileSync(join(r.launchDir, 'lora-config.json'), 'utf8'));
    expect(cfg).toMatchObject({ ...PAPER_LORA, baseModel: 'org/m', dataIndex: '../data/index.json' });
    const ds = JSON.parse(readFileSync(join(r.launchDir, 'ds_zero2.json'), 'utf8'));
    // global batch 128 = 8 per device x 1 accumulation step x 16 processes
    expect(ds).toMatchObject({ train_micro_batch_size_per_gpu: 8, gradient_accumulation_steps: 1, zero_optimization: { stage: 2 }, bf16: { enabled: true } });
    const acc = readFileSync(join(r.launchDir, 'accelerate-deepspeed.yaml'), 'utf8');
    expect(acc).toMatch(/distributed_type: DEEPSPEED\n/);
    expect(acc).toMatch(/deepspeed_config_file: ds_zero2.json\n/);
    expect(acc).toMatch(/num_machines: 2\nnum_processes: 16\n/);
    expect(readFileSync(join(r.launchDir, 'accelerate.yaml'), 'utf8')).toMatch(/distributed_type: MULTI_GPU\n/);
    execFileSync('sh', ['-n', join(r.launchDir, 'launch.sh')]);
    // an unknown launcher is refused before anything runs
    const bad = spawnSync('sh', [join(r.launchDir, 'launch.sh')], { env: { ...process.env, LAUNCHER: 'mpirun' }, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('LAUNCHER must be');
  });

  it.skipIf(!python)('the training script compiles, and its load_rows gives every rank an equal, disjoint share of the train rows', async () => {
    const d = tmp();
    const r = await runExport({ dir: join(d, 'exp'), input: labelled(d, 103), templates: DEFAULT_TEMPLATES, chat: true, baseModel: 'org/m', processes: 4 });
    const script = join(r.launchDir, 'train_selfj_lora.py');
    execFileSync(python!, ['-m', 'py_compile', script]);
    // load_rows needs no torch: run it alone (cut from the script) for several world sizes.
    const src = readFileSync(script, 'utf8');
    const fn = src.slice(src.indexOf('def load_rows'), src.indexOf('\ndef main'));
    const probe = `import json, os\n${fn}\ncfg = {"dataIndex": ${JSON.stringify(join(r.launchDir, cfg0().dataIndex))}}\nout = {}\nfor world in (1, 2, 3, 4, 8):\n    out[world] = [(lambda r: [row["key"] for row in r[0]] + [r[1]])(load_rows(cfg, rank, world)) for rank in range(world)]\nprint(json.dumps(out))`;
    const res = JSON.parse(execFileSync(python!, ['-c', probe], { encoding: 'utf8' })) as Record<string, (string | number)[][]>;
    const train = lines(r.recordsFile).map((l) => JSON.parse(l)).filter((x) => (x.split ?? 'train') === 'train').map((x) => x.key as string);
    for (const [world, ranks] of Object.entries(res)) {
      const keys = ranks.map((k) => k.slice(0, -1) as string[]);
      const total = ranks[0][ranks[0].length - 1] as number;
      const per = Math.floor(train.length / Number(world));
      expect(keys.every((k) => k.length === keys[0].length), `world ${world}`).toBe(true);
      expect(keys[0].length).toBeGreaterThanOrEqual(per - 1);
      expect(total).toBe(keys[0].length * Number(world));
      const flat = keys.flat();
      expect(new Set(flat).size).toBe(flat.length);
      for (const k of flat) expect(train).toContain(k);
    }
    function cfg0() {
      return JSON.parse(readFileSync(join(r.launchDir, 'lora-config.json'), 'utf8')) as { dataIndex: string };
    }
    expect(existsSync(join(r.launchDir, cfg0().dataIndex))).toBe(true);
  }, 60_000);
});
