/** The records that flow between stages (see docs/architecture.md). */

export type Category = 'common' | 'coding' | 'academic' | (string & {});

/** One labelled instruction: the input of the whole pipeline. `id` is stable across runs and resumes. */
export interface InstructionRecord {
  id: string;
  instruction: string;
  reference: string;
  category?: Category;
  source?: string;
  /**
   * Other fields of the source row that the loader was asked to keep (its `keep` option), by name: a recorded
   * response to judge, an external grade such as gpt4_score. The data stage writes them beside the others.
   */
  fields?: Record<string, unknown>;
}

/** A data set loader yields records lazily (streaming; never the whole set in memory). */
export interface DatasetLoader {
  readonly id: string;
  records(options?: { signal?: AbortSignal }): AsyncIterable<InstructionRecord>;
}
