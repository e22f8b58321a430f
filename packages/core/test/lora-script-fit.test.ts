/**
 * Issue 13 B item 8: the LoRA training script reads a digit's probability from all its one-token forms (as the
 * core's digit read-out does) and fits an over-long prompt by shortening the response and the reference, never
 * the system text, the instruction or the answer position. The script's pure functions run here under Python with
 * a small character tokenizer (no torch needed); the torch part is the same sum over those ids.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from '../src/stages/index.js';
import { runExport } from '../src/judge/index.js';

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;

/** A character tokenizer: " 7" is one token (id 5007) unless sameId, where it is the bare digit's id. */
const TOKENIZER = String.raw`
class CharTok:
    unk_token_id = 0
    def __init__(self, same_id=False):
        self.same_id = same_id
    def sd(self, d):
        return ord(d) + 10 if self.same_id else 5000 + int(d)
    def __call__(self, text, add_special_tokens=True):
        ids, i = [], 0
        while i < len(text):
            if text[i] == " " and i + 1 < len(text) and text[i + 1].isdigit():
                ids.append(self.sd(text[i + 1])); i += 2
            else:
                ids.append(ord(text[i]) + 10); i += 1
        return {"input_ids": ([1] if add_special_tokens else []) + ids}
    def decode(self, ids, skip_special_tokens=True):
        return "".join(" " + str(t - 5000) if 5000 <= t < 5010 else chr(t - 10) for t in ids if t != 1)
    def convert_tokens_to_ids(self, t):
        return ord(t) + 10 if len(t) == 1 else self.unk_token_id
    def apply_chat_template(self, msgs, tokenize=False, add_generation_prompt=True):
        return "".join("<%s>%s</%s>" % (m["role"], m["content"], m["role"]) for m in msgs) + ("<assistant>" if add_generation_prompt else "")
`;

async function exported(chat: boolean) {
  const d = mkdtempSync(join(tmpdir(), 'selfj-lorafit-'));
  const f = join(d, 'label.jsonl');
  const long = (w: string, n: number) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');
  const rows = [
    { key: 'long#0', id: 'long', instruction: 'List the first prime numbers and explain why each one is prime.', reference: long('ref', 300), response: long('resp', 500), z: 6.4, split: 'train' },
    { key: 'short#0', id: 'short', instruction: 'Say hi.', reference: 'Hi.', response: 'Hello!', z: 8, split: 'train' },
  ];
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = await runExport({ dir: join(d, 'exp'), input: f, templates: DEFAULT_TEMPLATES, chat, baseModel: 'org/m', processes: 1 });
  const script = readFileSync(join(r.launchDir, 'train_selfj_lora.py'), 'utf8');
  const cfg = JSON.parse(readFileSync(join(r.launchDir, 'lora-config.json'), 'utf8'));
  const out = readFileSync(r.recordsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return { script, cfg, rows: out, d };
}

function probe(script: string, body: string): unknown {
  const fns = script.slice(script.indexOf('def encode'), script.indexOf('def batches'));
  return JSON.parse(execFileSync(python!, ['-c', `import json, re\n${fns}\n${TOKENIZER}\n${body}`], { encoding: 'utf8' }));
}

describe.skipIf(!python)('LoRA training script: digit forms and prompt fitting', () => {
  it('counts every one-token form of a digit once ("7" and " 7"), and one id once when both forms are one token', async () => {
    const { script } = await exported(true);
    const res = probe(script, 'print(json.dumps([digit_ids(CharTok()), digit_ids(CharTok(same_id=True))]))') as number[][][];
    expect(res[0][7]).toEqual([ord('7'), 5007]);
    expect(res[0].every((ids) => ids.length === 2)).toBe(true);
    expect(res[1][7]).toEqual([ord('7')]);
  });

  for (const chat of [false, true]) {
    it(`${chat ? 'chat' : 'plain'} prompts: renders exactly what selfj exported, and fits a long one by shortening response and reference only`, async () => {
      const { script, cfg, rows, d } = await exported(chat);
      const cfgFile = join(d, 'cfg.json');
      const rowsFile = join(d, 'rows.json');
      writeFileSync(cfgFile, JSON.stringify({ ...cfg, cutoffLen: 900 }));
      writeFileSync(rowsFile, JSON.stringify(rows));
      const res = probe(
        script,
        `cfg = json.load(open(${JSON.stringify(cfgFile)}))
rows = json.load(open(${JSON.stringify(rowsFile)}))
tok = CharTok()
out = []
for r in rows:
    for view, (tname, _) in VIEWS.items():
        ids, how = fit_prompt(tok, r, view, cfg)
        out.append({"key": r.get("key"), "view": view, "how": how, "n": len(ids), "text": tok.decode(ids),
                    "parity": render_prompt(cfg["templates"][tname], r["parts"], cfg["chat"]) == r[view]["prompt"],
                    "full": len(encode(tok, r[view]["prompt"]))})
print(json.dumps(out))`,
      ) as { key: string; view: string; how: string; n: number; text: string; parity: boolean; full: number }[];
      expect(res.every((x) => x.parity)).toBe(true);
      const short = res.filter((x) => x.key === 'short#0');
      expect(short.map((x) => x.how)).toEqual(['whole', 'whole']);
      const long = res.filter((x) => x.key === 'long#0');
      for (const x of long) {
        expect(x.full).toBeGreaterThan(900);
        expect(x.how).toBe('trimmed');
        expect(x.n).toBeLessThanOrEqual(900);
        expect(x.n).toBeGreaterThan(800); // shortened to what fits, not emptied
        // the system text and the whole instruction survive; the prompt still ends where the digit is read
        expect(x.text).toContain(DEFAULT_TEMPLATES.withReference.system);
        expect(x.text).toContain('List the first prime numbers and explain why each one is prime.');
        expect(x.text.endsWith(chat ? '<assistant>' : 'Score:')).toBe(true);
        expect(x.text).toContain('resp0 resp1');
        expect(x.text).toContain('[...]');
      }
      // the teacher view keeps the start of both texts, each cut to a common length
      const teacher = long.find((x) => x.view === 'teacher')!;
      expect(teacher.text).toContain('ref0 ref1');
      expect(teacher.text.match(/\[\.\.\.\]/g)!.length).toBe(2);
    });
  }
});

function ord(c: string): number {
  return c.charCodeAt(0) + 10;
}
