/**
 * A small built-in category classifier ("builtin:heuristic") for sources without a manifest category: code-like
 * instructions -> "coding", math/science vocabulary -> "academic", everything else -> "common". It is a keyword
 * heuristic, meant as a default and as the example of the pluggable `(record) => category` classifier.
 */
import type { Category, InstructionRecord } from '../contracts/records.js';

export type Classifier = (record: InstructionRecord) => Category | undefined;

const CODING =
  /```|\b(?:python|javascript|typescript|java|c\+\+|golang|rust|sql|html|css|regex|function|compile|debug|algorithm|array|bash|script|api|json|code)\b|def |=>|\{\s*$/im;
const ACADEMIC =
  /\b(?:theorem|prove|proof|equation|integral|derivative|calculus|algebra|physics|chemistry|biology|molecule|hypothesis|research|thesis|statistic(?:s|al)?|probability|economics|history of|philosophy|quantum|genetics|citation)\b|\\frac|\$\$|\d+\s*[+\-*/^]\s*\d+\s*=/i;

export const heuristicClassifier: Classifier = (rec) => {
  const text = rec.instruction.length > 2000 ? rec.instruction.slice(0, 2000) : rec.instruction;
  if (CODING.test(text)) return 'coding';
  if (ACADEMIC.test(text)) return 'academic';
  return 'common';
};
