/**
 * Prometheus' evaluation files store one rendered prompt per item; the instruction, the response and the reference
 * answer are its "###" sections. This takes them back out (the same split as prometheus-eval's extract_sections).
 */
export interface PromptSections {
  instruction: string;
  response: string;
  reference?: string;
}

const MARKERS = {
  instruction: /###The instruction to evaluate:\s*/,
  response: /###Response to evaluate:\s*/,
  reference: /###Reference Answer(?: \(Score 5\))?:\s*/,
  rubric: /###Score Rubrics?:/,
};

function between(text: string, start: RegExp, ends: RegExp[]): string | undefined {
  const m = start.exec(text);
  if (!m) return undefined;
  const from = m.index + m[0].length;
  let to = text.length;
  for (const e of ends) {
    const rest = text.slice(from);
    const n = e.exec(rest);
    if (n && from + n.index < to) to = from + n.index;
  }
  return text.slice(from, to).trim();
}

/** The sections of a Prometheus prompt, or undefined when it lacks the instruction or response section. */
export function promptSections(prompt: string): PromptSections | undefined {
  const text = prompt.trim().replace(/",\s*$/, '');
  const instruction = between(text, MARKERS.instruction, [MARKERS.response]);
  const response = between(text, MARKERS.response, [MARKERS.reference, MARKERS.rubric]);
  if (instruction === undefined || response === undefined) return undefined;
  const reference = between(text, MARKERS.reference, [MARKERS.rubric]);
  return reference ? { instruction, response, reference } : { instruction, response };
}
