import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/server/db";
import { OnnxGraphBuilder } from "@/server/onnx/onnx-builder";
import { artifactPath, sha256Hex, storageKeyFor } from "@/server/storage/artifact-store";
import { stagingDir } from "@/server/storage/upload-staging";
import { startConsoleServer } from "@/test/support/console-server";
import { MULTIPART_CONTENT_TYPE, multipartBody, postChunked, trpcError } from "@/test/support/http-upload";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// A real database failure after the artifact is written: triggers in this file's own database
// refuse new rows for the models and feature sets named "doomed*" and "slow-doomed*" (after 1.5 s),
// and hold rows for "slow-kept*" models for 2 s before letting them in.
// The failures are expected: their log lines (each in full, under its reference id) would only be
// noise here. Set before anything reads the environment.
vi.hoisted(() => {
  process.env.LOG_LEVEL = "silent";
});
const api = callerFor();
const INTERNAL_ERROR = /^internal error \(reference [0-9a-f-]{36}\); the server log has the details$/;
let server: Awaited<ReturnType<typeof startConsoleServer>>;

beforeAll(async () => {
  const db = getDb();
  for (const [table, parentTable, parentColumn] of [
    ["ModelVersion", "Model", "modelId"],
    ["FeatureSetVersion", "FeatureSet", "featureSetId"],
  ]) {
    await db.$executeRawUnsafe(`
      CREATE FUNCTION "refuse_doomed_${table}"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE parent text := (SELECT name FROM "${parentTable}" WHERE id = NEW."${parentColumn}");
      BEGIN
        IF parent LIKE 'slow-doomed%' THEN PERFORM pg_sleep(1.5); END IF;
        IF parent LIKE 'slow-kept%' THEN PERFORM pg_sleep(2); END IF;
        IF parent LIKE 'doomed%' OR parent LIKE 'slow-doomed%' THEN
          RAISE EXCEPTION 'test trigger refuses this ${table} row';
        END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_doomed BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION "refuse_doomed_${table}"()`,
    );
  }
  server = await startConsoleServer();
});

afterAll(async () => {
  await server.close();
});

/** A small valid model whose bytes (and so sha256) differ by `tag`. */
function modelTagged(tag: string): Uint8Array {
  const g = new OnnxGraphBuilder("rollback");
  const x = g.input("x", "float32", ["batch", 2]);
  g.op("Relu", [x], {}, "y");
  g.output("y", "float32", ["batch", 2]);
  return g.toBytes({ producerVersion: "rollback", docString: tag });
}

function upload(modelName: string, file: Uint8Array) {
  return api.modelVersion.upload(uploadForm({ modelName, file }));
}

async function artifactExists(bytes: Uint8Array): Promise<boolean> {
  const stored = await stat(artifactPath(storageKeyFor(sha256Hex(bytes)))).catch(() => null);
  return stored?.size === bytes.byteLength;
}

async function stagedFiles(): Promise<string[]> {
  return readdir(stagingDir()).catch(() => []);
}

async function artifactFiles(): Promise<string[]> {
  const root = path.join(process.env.ARTIFACT_DIR!, "sha256");
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe("a database failure after the artifact is written", () => {
  it("removes the artifact again and leaves no row", async () => {
    await api.model.create({ name: "doomed" });
    const file = modelTagged("alone");
    await expect(upload("doomed", file)).rejects.toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      message: expect.stringMatching(INTERNAL_ERROR),
    });
    expect(await getDb().modelVersion.count()).toBe(0);
    expect(await artifactExists(file)).toBe(false);
    expect(await artifactFiles()).toEqual([]);
    expect(await stagedFiles()).toEqual([]);
  });

  it("keeps an artifact that another version already references", async () => {
    await api.model.create({ name: "kept" });
    const file = modelTagged("shared");
    await upload("kept", file);
    await expect(upload("doomed", file)).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect(await artifactExists(file)).toBe(true);
    expect(await api.modelVersion.byNumber({ modelName: "kept", number: 1 })).toMatchObject({
      artifactSha256: sha256Hex(file),
    });
  });

  it("keeps the artifact for a concurrent upload of the same bytes that succeeds", async () => {
    // Each round races a failing and a succeeding upload of new bytes; whichever order the
    // artifact lock gives them, the file must outlive the failure for the version that stays.
    for (let round = 0; round < 3; round++) {
      await api.model.create({ name: `doomed-${round}` });
      await api.model.create({ name: `kept-${round}` });
      const file = modelTagged(`race-${round}`);
      const [failed, kept] = await Promise.allSettled([
        upload(`doomed-${round}`, file),
        upload(`kept-${round}`, file),
      ]);
      expect(failed.status).toBe("rejected");
      expect(kept).toMatchObject({
        status: "fulfilled",
        value: { number: 1, artifactSha256: sha256Hex(file) },
      });
      expect(await artifactExists(file), `round ${round}`).toBe(true);
    }
    expect(await stagedFiles()).toEqual([]);
  });

  it("keeps the artifact when the failing and the succeeding transactions overlap", async () => {
    // Unserialized, this interleaving loses the file: one upload stores it, the other finds it
    // stored and keeps its insert pending; the first fails, sees no committed reference and removes
    // the file; then the second commits a version without an artifact.
    await api.model.create({ name: "slow-doomed" });
    await api.model.create({ name: "slow-kept" });
    const file = modelTagged("overlap");
    const [failed, kept] = await Promise.allSettled([upload("slow-doomed", file), upload("slow-kept", file)]);
    expect(failed.status).toBe("rejected");
    expect(kept).toMatchObject({ status: "fulfilled", value: { number: 1 } });
    expect(await artifactExists(file)).toBe(true);
  });

  it("leaves no staged file and no feature set version when a sample's row cannot be written", async () => {
    await api.featureSet.create({ name: "doomed-features" });
    const answer = await postChunked(
      `${server.url}/api/trpc/featureSet.createVersion`,
      MULTIPART_CONTENT_TYPE,
      multipartBody(
        { featureSetName: "doomed-features" },
        { field: "file", fileName: "sample.csv", chunks: [new TextEncoder().encode("x,y\n1,a\n2,b\n")] },
      ),
    );
    expect(answer.status).toBe(500);
    // What failed (SQL, the trigger's words, file paths, the PID) stays in the log.
    const { message } = trpcError(answer);
    expect(message).toMatch(INTERNAL_ERROR);
    for (const internal of ["trigger", process.cwd(), String(process.pid)])
      expect(message).not.toContain(internal);
    expect(await getDb().featureSetVersion.count()).toBe(0);
    expect(await stagedFiles()).toEqual([]);
  });
});
