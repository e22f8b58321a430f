/**
 * Recorded scores as a judge: "scores:<file.jsonl>#<field>" reads a JSONL file of items that already carry a score
 * (another judge's output, GPT-4 ratings, a reward model run elsewhere) so it can be compared on the same sets.
 * An item is found by its exact instruction and response text; one the file lacks is rejected alone.
 */
import { SelfjError, type Judge, type JudgeItem, type JudgeScore } from '@selfj/core';
import { fileFingerprint, readJsonl, where } from '@selfj/core/infra';
import { getPath } from '@selfj/dataset-files';

export interface ScoresFileOptions {
  /** Field holding the instruction (dotted path), default "instruction". */
  instructionField?: string;
  /** Field holding the response, default "response". */
  responseField?: string;
}

const keyOf = (instruction: string, response: string) => `${instruction}\u0000${response}`;

/** Splits "<file>#<field>" (the field may be a dotted path). */
export function parseScoresSpec(spec: string): { file: string; field: string } {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0 || hash === spec.length - 1) {
    throw new SelfjError('BAD_CONFIG', `The scores judge needs "scores:<file.jsonl>#<field>", got "scores:${spec}".`, {
      solutions: ['Name the JSONL file and the score field, e.g. scores:./gpt4.jsonl#gpt4_score.'],
    });
  }
  return { file: spec.slice(0, hash), field: spec.slice(hash + 1) };
}

export class ScoresFileJudge implements Judge {
  readonly id: string;
  readonly scale = { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY };
  readonly usesReference = false;

  private constructor(
    readonly file: string,
    readonly field: string,
    private readonly scores: Map<string, number>,
    private readonly fingerprintValue: string,
  ) {
    this.id = `scores:${file}#${field}`;
  }

  static async load(file: string, field: string, o: ScoresFileOptions = {}): Promise<ScoresFileJudge> {
    const ins = o.instructionField ?? 'instruction';
    const res = o.responseField ?? 'response';
    const scores = new Map<string, number>();
    for await (const line of readJsonl(file)) {
      if (line.error || !line.value) throw new SelfjError('BAD_INPUT', `${where(line)}: ${line.error ?? 'not a JSON object'}.`, { solutions: ['Fix or remove that line of the scores file.'] });
      const instruction = getPath(line.value, ins);
      const response = getPath(line.value, res);
      const raw = getPath(line.value, field);
      const score = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof instruction !== 'string' || typeof response !== 'string') {
        throw new SelfjError('BAD_INPUT', `${where(line)}: needs text fields "${ins}" and "${res}" to match items by.`, {
          solutions: ['Name the fields with the judge options instructionField / responseField.'],
        });
      }
      if (typeof score !== 'number' || !Number.isFinite(score)) {
        throw new SelfjError('BAD_INPUT', `${where(line)}: "${field}" is ${JSON.stringify(raw)}, not a number.`, { solutions: [`Check the field name after "#" (scores:${file}#<field>).`] });
      }
      scores.set(keyOf(instruction, response), score);
    }
    return new ScoresFileJudge(file, field, scores, await fileFingerprint(file));
  }

  get size(): number {
    return this.scores.size;
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { judge: 'scores', file: this.fingerprintValue, field: this.field };
  }

  async score(items: JudgeItem[]): Promise<(JudgeScore | Error)[]> {
    return items.map((it) => {
      const s = this.scores.get(keyOf(it.instruction, it.response));
      return s === undefined ? new SelfjError('BAD_RECORD', `${this.file} has no recorded "${this.field}" for this instruction and response.`) : { score: s };
    });
  }
}
