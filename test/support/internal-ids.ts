import { expect } from "vitest";
import { getDb } from "@/server/db";

/** Every row id and storage key in the database: values no answer to a client should carry. */
async function internalValues(): Promise<string[]> {
  const db = getDb();
  const select = { select: { id: true } };
  const rowsWithIds: { id: string }[][] = await Promise.all([
    db.team.findMany(select),
    db.model.findMany(select),
    db.modelVersion.findMany(select),
    db.deployment.findMany(select),
    db.deploymentRevision.findMany(select),
    db.featureSet.findMany(select),
    db.featureSetVersion.findMany(select),
    db.goldenSet.findMany(select),
    db.evaluation.findMany(select),
    db.webhook.findMany(select),
    db.webhookDelivery.findMany(select),
  ]);
  const rowsWithKeys: { storageKey: string }[][] = await Promise.all([
    db.modelVersion.findMany({ select: { storageKey: true } }),
    db.goldenSet.findMany({ select: { storageKey: true } }),
  ]);
  return [...rowsWithIds.flat().map((row) => row.id), ...rowsWithKeys.flat().map((row) => row.storageKey)];
}

/** Fails when an answer carries a row id, team id or storage key, under any key, at any depth. */
export async function expectNoInternals(...answers: unknown[]): Promise<void> {
  const values = await internalValues();
  expect(values.length).toBeGreaterThan(0);
  for (const answer of answers) {
    const text = JSON.stringify(answer);
    for (const value of values) expect(text).not.toContain(value);
  }
}
