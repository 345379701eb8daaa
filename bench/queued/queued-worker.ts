import { Redis } from "ioredis";
import * as ort from "onnxruntime-node";
import { queuedJobsKey, type QueuedAnswers, type QueuedBatch, type QueuedTensor } from "./queued-protocol";

/**
 * Baseline (d) of bench/serving.ts, its worker side: pops a batch item (BLPOP), takes whatever
 * else is waiting in the same round trip (LPOP with a count), runs all their rows as one
 * session.run (onnxruntime-node runs it off the event loop, on its own thread), splits the
 * outputs by request and pushes each server's answers to its reply list. Run as its own process:
 * `REDIS_URL=... D_PREFIX=... BARE_MODEL_PATH=... node --import tsx bench/queued/queued-worker.ts`.
 */

const prefix = process.env.D_PREFIX ?? "bench:";
/** Batch items taken per round at most, besides the one BLPOP waited for. */
const MORE_ITEMS = 63;
const DATATYPE: Record<string, string> = { float32: "FP32", float64: "FP64", int64: "INT64", int32: "INT32" };

const redis = new Redis(process.env.REDIS_URL!);
const session = await ort.InferenceSession.create(process.env.BARE_MODEL_PATH!, {
  graphOptimizationLevel: "all",
  executionProviders: ["cpu"],
});

/** The requests' inputs joined along the first dimension, one tensor per input name. */
function joined(requests: QueuedBatch["requests"]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const tensors = requests.map(({ inputs }) => inputs.find((input) => input.name === name)!);
    const rows = tensors.reduce((sum, tensor) => sum + tensor.shape[0]!, 0);
    const data = new Float32Array(tensors.reduce((sum, tensor) => sum + tensor.data.length, 0));
    let offset = 0;
    for (const tensor of tensors) {
      data.set(tensor.data, offset);
      offset += tensor.data.length;
    }
    feeds[name] = new ort.Tensor("float32", data, [rows, ...tensors[0]!.shape.slice(1)]);
  }
  return feeds;
}

async function runRound(items: QueuedBatch[]): Promise<void> {
  const requests = items.flatMap((item) => item.requests);
  const produced = await session.run(joined(requests));
  const byReplyList = new Map<string, QueuedAnswers["answers"]>();
  let firstRow = 0;
  const owners = items.flatMap((item) =>
    item.requests.map((request) => ({ replyTo: item.replyTo, request })),
  );
  for (const { replyTo, request } of owners) {
    const rows = request.inputs[0]!.shape[0]!;
    const outputs = Object.entries(produced).map(([name, tensor]) => {
      const perRow = tensor.dims.slice(1).reduce((product, size) => product * size, 1);
      const values = tensor.data as ArrayLike<number | bigint> as ArrayLike<number>;
      const data: number[] = new Array<number>(rows * perRow);
      for (let i = 0; i < data.length; i++) data[i] = Number(values[firstRow * perRow + i]);
      return {
        name,
        datatype: DATATYPE[tensor.type] ?? tensor.type,
        shape: [rows, ...tensor.dims.slice(1)],
        data,
      };
    }) satisfies QueuedTensor[];
    firstRow += rows;
    const answers = byReplyList.get(replyTo) ?? [];
    answers.push({ ticket: request.ticket, outputs });
    byReplyList.set(replyTo, answers);
  }
  const pipeline = redis.pipeline();
  for (const [replyTo, answers] of byReplyList) pipeline.rpush(replyTo, JSON.stringify({ answers }));
  await pipeline.exec();
}

const waiter = new Redis(process.env.REDIS_URL!);
console.log("queued worker ready");
for (;;) {
  const popped = await waiter.blpop(queuedJobsKey(prefix), 0);
  if (!popped) continue;
  const more = (await redis.lpop(queuedJobsKey(prefix), MORE_ITEMS)) ?? [];
  await runRound([popped[1], ...more].map((text) => JSON.parse(text) as QueuedBatch));
}
