/**
 * A meta-evaluation set is data, not code: where its files are (a Hugging Face dataset pinned to a commit, or a
 * GitHub repository whose files the user places under --data-dir), which fields hold what, which protocol scores
 * a judge on it, and the numbers its authors published. Plugins add sets on the "meta-eval.sets" extension point;
 * a user can pass a JSON file of the same shape.
 */
export const SETS_EXTENSION = 'meta-eval.sets';

export type SetKind = 'pointwise' | 'pairwise' | 'ranking' | 'bon';

/** How a judge's scores are turned into the set's numbers (and how ties are treated): see protocols/. */
export type ProtocolName =
  | 'correlation'
  | 'autoj-agreement'
  | 'pandalm-accuracy'
  | 'llmbar-accuracy'
  | 'mtbench-agreement'
  | 'pairwise-accuracy'
  | 'alpacaeval-ranking'
  | 'alpacaeval-bon';

/**
 * A field as the dataset plugins map it: a dotted path ("conversation_a.1.content"), a path with a trailing "?"
 * (optional: absent gives ""), a list of paths joined by a blank line, or a template ("{instruction}\n\n{input?}").
 */
export type FieldSpec = string | string[];

/** Some files of a set, read with one field mapping. */
export interface PartSpec {
  /** "hf": downloaded through hf://datasets/<repo>@<revision>; "github": read from --data-dir only. */
  host: 'hf' | 'github';
  /** owner/name on that host; under --data-dir the files are looked up at <data-dir>/<repo>/<file>. */
  repo: string;
  /** The commit the facts were checked at (40 hex); absent when none could be pinned (see the set's notes). */
  revision?: string;
  /** Paths inside the repository, in order (best-of-N: candidate k is file k). */
  files: string[];
  /** Column name -> field. Pointwise: instruction, response, reference?, grade* (averaged) or prompt (sections). */
  fields: Record<string, FieldSpec>;
  /** Keep only rows whose column has one of these values. */
  where?: Record<string, string[]>;
  /** Pairwise labels of this part, when they differ from the set's (e.g. a chosen/rejected copy: {"*": "a"}). */
  labels?: Record<string, 'a' | 'b' | 'tie'>;
  /** The instruction, response and reference are sections of one rendered evaluation prompt (Prometheus' files). */
  sections?: 'prometheus';
}

/** One alternative way to get a set: its parts (pointwise/pairwise: "rows"; ranking: "outputs" + "leaderboard"; bon: "outputs" + "annotations"). */
export interface SourceSpec {
  parts: Record<string, PartSpec>;
}

/** A number a set's authors published, with where it is written. */
export interface PublishedNumber {
  judge: string;
  metric: string;
  value: number;
  source: string;
}

export interface SetSpec {
  name: string;
  title: string;
  kind: SetKind;
  protocol: ProtocolName;
  /** The paper (and where its protocol is written). */
  paper: string;
  /** Alternatives, tried in order: the first whose files are all under --data-dir, else the first without a github part. */
  sources: SourceSpec[];
  /** Pairwise: raw label text -> which response is better ("a", "b" or "tie"); "*" applies to any label. */
  labels?: Record<string, 'a' | 'b' | 'tie'>;
  published: PublishedNumber[];
  notes?: string[];
}

/** Names that stand for several sets. */
export interface SetGroup {
  name: string;
  sets: string[];
}
