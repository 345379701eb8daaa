import { AppError } from "@/server/domain/app-error";
import { ZGoldenSetTask } from "@/server/domain/evaluation/golden-set-spec";
import type { QualityTask } from "@/server/domain/quality/realized-quality";
import { getDb } from "@/server/db";

/**
 * Which outputs a deployment's labels are scored against: its own qualityTask, else the task of
 * its model's newest golden set (the one its evaluations already read). Null when neither says.
 */
export async function qualityTaskOf(deployment: {
  modelId: string;
  qualityTask: unknown;
}): Promise<QualityTask | null> {
  const own = deployment.qualityTask === null ? null : ZGoldenSetTask.parse(deployment.qualityTask);
  const task =
    own ??
    (await getDb()
      .goldenSet.findFirst({
        where: { modelId: deployment.modelId },
        orderBy: { createdAt: "desc" },
        select: { task: true },
      })
      .then((goldenSet) => (goldenSet ? ZGoldenSetTask.parse(goldenSet.task) : null)));
  return task === null || task.kind === "exact" ? null : task;
}

export function noQualityTask(deploymentName: string): AppError {
  return new AppError(
    "BAD_REQUEST",
    `deployment '${deploymentName}' has no classification or regression task to score labels against: ` +
      "upload a golden set for its model, or set its quality task",
  );
}
