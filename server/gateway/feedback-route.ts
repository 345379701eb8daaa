import { authorize, type Caller } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import { formatInputIssues } from "@/server/domain/zod-message";
import {
  recordFeedback,
  ZRecordFeedbackInput,
  type RecordFeedbackOutput,
} from "@/server/services/feedback/record-feedback";

const ZFeedbackBody = ZRecordFeedbackInput.omit({ name: true });

/**
 * `POST /v2/models/{name}/feedback` with `{"labels": [{"id": "<request id>", "label": 1}, ...]}`:
 * ground truth for predictions the deployment logged. One lookup and one write per batch; the
 * answer counts and names the labels it could not use, so one bad id never fails the rest.
 */
export async function answerFeedback(
  caller: Caller,
  name: string,
  body: unknown,
): Promise<RecordFeedbackOutput> {
  authorize(caller, "feedback.record");
  const parsed = ZFeedbackBody.safeParse(body);
  if (!parsed.success) throw new AppError("BAD_REQUEST", formatInputIssues(parsed.error));
  return recordFeedback({ teamId: caller.teamId, name, labels: parsed.data.labels });
}
