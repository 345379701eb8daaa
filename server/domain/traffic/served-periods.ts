/** What the timeline needs of a revision: every traffic change activates the revision it makes. */
export interface RevisionStart {
  number: number;
  createdAt: Date;
}

/**
 * When each revision stopped serving: when the next one was made (null for the newest, which
 * serves now). Takes the revisions in any order and returns them newest first.
 */
export function withServedUntil<T extends RevisionStart>(
  revisions: readonly T[],
): (T & { servedUntil: Date | null })[] {
  const newestFirst = [...revisions].sort((a, b) => b.number - a.number);
  return newestFirst.map((revision, index) => ({
    ...revision,
    servedUntil: index === 0 ? null : newestFirst[index - 1]!.createdAt,
  }));
}
