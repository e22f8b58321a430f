/** What a field mapping is: a row of any shape in, an instruction record's fields out. */
export interface Mapped {
  instruction: string;
  reference: string;
  category?: string;
}

export interface Mapper {
  readonly name: string;
  /** Top-level fields to read (columnar formats). */
  readonly columns: string[];
  /** Is a file with these top-level fields readable by this mapper? Returns the missing ones. */
  missingFields(fields: string[]): string[];
  apply(row: unknown): Mapped;
}
