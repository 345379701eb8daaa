import type { Prisma } from "@/generated/prisma/client";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import { removeArtifact, storageKeyFor } from "@/server/storage/artifact-store";

/**
 * The artifact store is content-addressed, so two versions (of any model, in any team) can
 * share one file. Whoever puts a file in the store and registers its version, and whoever
 * removes a file no version references, holds this transaction lock on the file's sha256
 * first: an upload that fails can then remove what it stored without racing a concurrent
 * upload of the same bytes, which either committed its reference before the check (and the
 * file stays) or stores the file again after the removal.
 */
export async function lockArtifact(tx: Prisma.TransactionClient, sha256: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`artifact:${sha256}`}, 0))`;
}

/**
 * After a registration failed: removes the stored file unless a version, golden set or batch job references it. When
 * the check itself fails (the database is down), the file stays: an orphan costs disk, a
 * missing artifact would break a version.
 */
export async function removeArtifactUnlessReferenced(sha256: string): Promise<void> {
  try {
    await getDb().$transaction(async (tx) => {
      await lockArtifact(tx, sha256);
      const references =
        (await tx.modelVersion.count({ where: { artifactSha256: sha256 } })) +
        (await tx.goldenSet.count({ where: { artifactSha256: sha256 } })) +
        (await tx.batchJob.count({ where: { inputSha256: sha256 } }));
      if (references === 0) await removeArtifact(storageKeyFor(sha256));
    });
  } catch (error) {
    getLogger().warn(
      { err: error, sha256 },
      "could not check whether a failed upload's artifact is referenced; kept it",
    );
  }
}

/** Whether a version, golden set or batch input of the team is stored under `sha256`. */
export async function isArtifactOfTeam(teamId: string, sha256: string): Promise<boolean> {
  const db = getDb();
  const [version, goldenSet, batchJob] = await Promise.all([
    db.modelVersion.findFirst({ where: { teamId, artifactSha256: sha256 }, select: { id: true } }),
    db.goldenSet.findFirst({ where: { teamId, artifactSha256: sha256 }, select: { id: true } }),
    db.batchJob.findFirst({ where: { teamId, inputSha256: sha256 }, select: { id: true } }),
  ]);
  return version !== null || goldenSet !== null || batchJob !== null;
}
