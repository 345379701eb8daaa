import { Badge } from "@/app/_components/ui";
import type { BatchJobStatus } from "@/server/domain/batch/batch-spec";

const TONES = {
  queued: "slate",
  running: "indigo",
  succeeded: "green",
  failed: "red",
  cancelled: "amber",
} as const;

export function JobStatusBadge({ status }: { status: BatchJobStatus }) {
  return <Badge tone={TONES[status]}>{status}</Badge>;
}
