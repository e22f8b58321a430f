/**
 * The plain statement at the top of a report: are these scores signal or noise? Two documented rules
 * (docs/reports.md, "Is it noise?"):
 * 1. Correlation: the 95% confidence interval of the judge's Pearson r with the grade (Fisher z, @selfj/core's
 *    pearsonInterval) contains 0, or r is undefined (constant scores), or n < 4: the judge's scores cannot be told
 *    apart from noise. When a run carries an external grade (config grade.field), the rule is applied to it too.
 * 2. Digit mass: the median probability the model gives the ten digits when it rates an answer is below the floor
 *    (the run's, else the project's `scoring.minDigitMass`), counting items a stage rejected for low mass. Its
 *    self-evaluation is then a renormalised remainder: noise. This is what marks a tiny or non-instruction model
 *    without a list of model names.
 */
import { pearsonInterval } from '@selfj/core/stats';
import { type EvaluationReport } from '@selfj/core/metrics';
import type { ReportData } from './model.js';

export interface CorrelationCheck {
  r: number;
  n: number;
  /** 95% interval; undefined when n < 4 or r is undefined. */
  low?: number;
  high?: number;
  distinguishableFromZero: boolean;
}

export interface DigitMassCheck {
  view: string;
  median: number;
  floor: number;
  belowFloor: number;
  n: number;
}

export interface Verdict {
  /** True when any rule says the scores are noise. */
  noise: boolean;
  /** One sentence per rule that fired (or that passed), in plain words. */
  statements: string[];
  correlation?: CorrelationCheck;
  /** The same check against the data's external grade (a run's config grade.field), when it has one. */
  externalCorrelation?: CorrelationCheck;
  digitMass: DigitMassCheck[];
}

export function checkCorrelation(r: number, n: number): CorrelationCheck {
  const ci = pearsonInterval(r, n);
  return { r, n, low: ci?.low, high: ci?.high, distinguishableFromZero: ci !== undefined && (ci.low > 0 || ci.high < 0) };
}

function median(x: number[]): number {
  const s = Float64Array.from(x).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'undefined');

/** Rule 1 for one grade: the judge's Pearson r with it, and the sentence that says what it means. */
function correlationRule(e: EvaluationReport, who: string, grade: string): { check: CorrelationCheck; noise: boolean; statement: string } {
  const check = checkCorrelation(e.pearson, e.n);
  if (check.distinguishableFromZero) {
    return {
      check,
      noise: false,
      statement: `${who.charAt(0).toUpperCase()}${who.slice(1)} tracks ${grade}: Pearson r = ${f3(e.pearson)}, 95% interval [${f3(check.low!)}, ${f3(check.high!)}] over ${e.n} items excludes 0.`,
    };
  }
  const why =
    check.low === undefined
      ? Number.isFinite(e.pearson)
        ? `only ${e.n} items, too few for a confidence interval`
        : 'the correlation is undefined (constant scores or grades)'
      : `Pearson r = ${f3(e.pearson)} with ${grade}, 95% interval [${f3(check.low)}, ${f3(check.high!)}] over ${e.n} items contains 0`;
  return { check, noise: true, statement: `These scores are noise: ${who} (against ${grade}) cannot be told apart from random scores (${why}).` };
}

export function verdictOf(data: ReportData): Verdict {
  const statements: string[] = [];
  let noise = false;
  const who = data.items?.scoreName ?? 'the judge';
  let correlation: CorrelationCheck | undefined;
  const trained = data.evaluation?.trained;
  if (trained) {
    const r = correlationRule(trained, who, data.items?.gradeName ?? 'the grade');
    correlation = r.check;
    noise ||= r.noise;
    statements.push(r.statement);
  }
  // the same rule against the data's own grade (config grade.field), when the run carries one
  let externalCorrelation: CorrelationCheck | undefined;
  const ext = data.external;
  if (ext?.evaluation.trained) {
    const r = correlationRule(ext.evaluation.trained, who, ext.items.gradeName);
    externalCorrelation = r.check;
    noise ||= r.noise;
    statements.push(r.statement);
  }
  const digitMass: DigitMassCheck[] = [];
  const dm = data.digitMass;
  if (dm && dm.items.length) {
    for (const view of ['with reference', 'reference-free'] as const) {
      // the median over the items that have a record: those rejected for low mass are counted below
      const masses = dm.items.filter((i) => i.view === view).map((i) => i.mass);
      if (!masses.length) continue;
      const c = { view, median: median(masses), floor: dm.floor, belowFloor: masses.filter((m) => m < dm.floor).length, n: masses.length };
      digitMass.push(c);
      if (c.median < dm.floor) {
        noise = true;
        statements.push(
          `The model's self-evaluation (${view}) is noise: it gives the ten digits a median ${(c.median * 100).toPrecision(2)}% of its next-token probability (floor ${dm.floor}), so it is not answering the rating prompt with a digit; ${c.belowFloor} of ${c.n} items are below the floor.`,
        );
      }
    }
  }
  for (const r of dm?.rejected ?? []) {
    // rejected items were all below the floor: when they are half or more, the median over every item is too
    const most = r.of !== undefined && r.count * 2 >= r.of;
    if (most) noise = true;
    const share = r.of ? ` of ${r.of}` : '';
    statements.push(
      `${most ? "The model's self-evaluation is noise: the" : 'The'} ${r.stage} stage rejected ${r.count}${share} item(s) whose digits got less than ${dm!.floor} of the probability (the model did not answer those with a digit).`,
    );
  }
  return { noise, statements, correlation, externalCorrelation, digitMass };
}
