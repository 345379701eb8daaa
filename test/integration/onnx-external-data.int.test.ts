import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { stagingDir } from "@/server/storage/upload-staging";
import {
  externalConstantModel,
  externalInitializerModel,
  externalInSubgraphModel,
} from "@/test/fixtures/external-data-models";
import { danglingOutputModel } from "@/test/fixtures/odd-models";
import { startConsoleServer } from "@/test/support/console-server";
import { MULTIPART_CONTENT_TYPE, multipartBody, postChunked, trpcError } from "@/test/support/http-upload";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

const api = callerFor();
let server: Awaited<ReturnType<typeof startConsoleServer>>;

beforeAll(async () => {
  server = await startConsoleServer();
  await api.model.create({ name: "external" });
});

afterAll(async () => {
  await server.close();
});

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

function uploadOverHttp(file: Uint8Array) {
  return postChunked(
    `${server.url}/api/trpc/modelVersion.upload`,
    MULTIPART_CONTENT_TYPE,
    multipartBody({ modelName: "external" }, { field: "file", fileName: "model.onnx", chunks: [file] }),
  );
}

// "package.json" is a file in the console's working directory; the others lie outside it.
const LOCATIONS = ["package.json", "../../etc/hostname", "/etc/hostname"];
const MODELS = [
  ["an initializer", externalInitializerModel],
  ["a Constant node's value", externalConstantModel],
  ["a tensor in an If node's subgraph", externalInSubgraphModel],
] as const;

describe("ONNX files with external data", () => {
  it("would have onnxruntime read a file of the console's working directory as weights", async () => {
    // Why the registry checks first: loaded from bytes, the model gets package.json's bytes as its weights.
    const session = await ort.InferenceSession.create(externalInitializerModel("package.json"), {
      graphOptimizationLevel: "disabled",
    });
    const { y } = await session.run({ x: new ort.Tensor("float32", new Float32Array(4), [1, 4]) });
    await session.release();
    const packageJsonStart = new Float32Array(
      new Uint8Array(await readFile("package.json")).slice(0, 16).buffer,
    );
    expect(Array.from(y!.data as Float32Array)).toEqual(Array.from(packageJsonStart));
  });

  it.each(MODELS.flatMap(([where, model]) => LOCATIONS.map((location) => [where, location, model] as const)))(
    "are refused over HTTP before onnxruntime loads them: %s in '%s'",
    async (_where, location, model) => {
      const versionsBefore = await getDb().modelVersion.count();
      const answer = await uploadOverHttp(model(location));
      expect(answer.status).toBe(400);
      const { message } = trpcError(answer);
      expect(message).toMatch(/^the model uses external data files \(tensor '\w+' in '/);
      expect(message).toContain(`'${location}'`);
      expect(message).toContain(
        'onnx.save_model(onnx.load("model.onnx"), "embedded.onnx", save_as_external_data=False)',
      );
      expect(message).not.toContain(process.cwd());
      expect(await getDb().modelVersion.count()).toBe(versionsBefore);
      expect(await filesUnder(process.env.ARTIFACT_DIR!)).toEqual([]);
      expect(await filesUnder(stagingDir())).toEqual([]);
    },
  );

  it("are refused through the API caller too", async () => {
    await expect(
      api.modelVersion.upload(
        uploadForm({ modelName: "external", file: externalInitializerModel("package.json") }),
      ),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(
        /^the model uses external data files \(tensor 'weights' in 'package\.json'\)/,
      ),
    });
  });
});

describe("onnxruntime's own refusals", () => {
  it("reach the client with the reason only: no source path, line, C++ function or working directory", async () => {
    const answer = await uploadOverHttp(danglingOutputModel());
    expect(answer.status).toBe(400);
    const { message } = trpcError(answer);
    expect(message).toBe(
      "onnxruntime could not load the model: This is an invalid model. Graph output (z) does not exist in the graph.",
    );
    expect(message).not.toContain(String(process.pid));
  });
});
