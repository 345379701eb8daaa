import { describe, expect, it } from "vitest";
import { AppError } from "@/server/domain/app-error";
import { awaitReply, threadLimit } from "@/server/threads/one-shot-thread";
import { startBundledThread } from "@/server/threads/bundled-thread";

const entry = new URL("../../fixtures/threads/", import.meta.url).href;
const run = async (behave: string, maxOldGenerationSizeMb = 64) =>
  awaitReply(
    await startBundledThread(entry, "test-thread.ts", {
      workerData: { behave },
      resourceLimits: { maxOldGenerationSizeMb },
    }),
    {
      task: "testing",
      outOfMemory: () => new AppError("UNPROCESSABLE", "the test thread ran out of memory"),
    },
  );

describe("one-shot threads", () => {
  it("bring back the thread's value", async () => {
    expect(await run("answer")).toEqual({ answer: 42 });
  });

  it("rethrow an AppError as the same code and message", async () => {
    await expect(run("refuse")).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "refused in the thread",
    });
    await expect(run("refuse")).rejects.toBeInstanceOf(AppError);
  });

  it("turn anything else into an Error for the log", async () => {
    const error = await run("crash").catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(AppError);
    expect((error as Error).message).toBe("testing failed: something broke in the thread");
  });

  it("turn a thread past its heap limit into the caller's refusal, and the process lives on", async () => {
    await expect(run("hog", 16)).rejects.toMatchObject({
      code: "UNPROCESSABLE",
      message: "the test thread ran out of memory",
    });
    expect(await run("answer")).toEqual({ answer: 42 });
  });

  it("run at most the limit at once", async () => {
    const limit = threadLimit(2);
    let running = 0;
    let peak = 0;
    const work = () =>
      limit(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
      });
    await Promise.all(Array.from({ length: 6 }, work));
    expect(peak).toBe(2);
  });
});
