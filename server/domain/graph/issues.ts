/**
 * Problems returned as values, not thrown, so the gateway can answer 400 and the console can list
 * every problem of a spec at once. `where` names the step (or record and field) in words a user
 * can find in what they sent: "inputs[0].fields[2] 'country', step 1 (one_hot)".
 */
export type Issue = { where: string; message: string };

/** A record that cannot become tensors: its index in `instances` and the field. */
export type RecordIssue = { record: number; field: string; message: string };

export type Result<Value, Problem = Issue> = { ok: true; value: Value } | { ok: false; issues: Problem[] };

export const ok = <Value>(value: Value): { ok: true; value: Value } => ({ ok: true, value });

/** At most this many issues are kept: a bad batch of 10,000 records needs a few examples, not all. */
export const MAX_ISSUES = 20;

/** One line for an error message: "where: message; where: message". */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => `${issue.where}: ${issue.message}`).join("; ");
}

/** "record 3, field 'amount': ..." for each problem. */
export function formatRecordIssues(issues: readonly RecordIssue[]): string {
  return issues
    .map(
      (issue) =>
        `record ${issue.record}${issue.field === "" ? "" : `, field '${issue.field}'`}: ${issue.message}`,
    )
    .join("; ");
}
