import path from "node:path";
import { parseArgs } from "node:util";
import { makeDemoModels } from "@/scripts/demo/make-demo-models";
import {
  describeRedisKillRun,
  describeSlowBodiesRun,
  describeUnknownNamesRun,
  REDIS_BACK_WITHIN_MS,
  redisKillUnderLoad,
  rssGrowthMb,
  normalLatencyKept,
  slowBodiesBesideTraffic,
  slowSocketsNotCutOff,
  UNKNOWN_NAMES_RSS_GROWTH_BAR_MB,
  unknownNamesFlood,
  type RedisKillLoad,
  type RedisKillRun,
} from "@/test/support/fault-scenarios";
import { startFaultStack } from "@/test/support/fault-stack";
import { fraudInferRequest } from "@/test/support/fraud-deployment";
import { ownRedis } from "@/test/support/own-redis";
import { REPORT_MEMORY_NODE_ARGS } from "@/test/support/process-memory";
import { percentileMs } from "@/test/support/request-traffic";
import { setUpConsole } from "./bench-stack";
import { REPO } from "./processes";

/**
 * `npm run bench:chaos`: the fault scenarios of issue 7 at the full counts, on the same
 * scenario code as the chaos tests (test/support/fault-scenarios.ts), which run fewer:
 * - redis: Redis SIGKILLed under load and restarted after 5 s, 10 runs under 16 closed-loop
 *   clients and 10 under 200 requests/s (done-when 1);
 * - slow: 1,000 slow-body sockets for 60 s beside normal requests (done-when 5);
 * - names: 100k unknown deployment names, the gateway's RSS (done-when 7).
 * Prints a line of figures per run and each bar with PASS/MISS.
 * Options: --only=redis,slow,names --runs=10 --slow-seconds=60 --names=100000
 */

const { values: args } = parseArgs({
  options: {
    only: { type: "string", default: "redis,slow,names" },
    runs: { type: "string", default: "10" },
    "slow-seconds": { type: "string", default: "60" },
    names: { type: "string", default: "100000" },
  },
});
const only = new Set(args.only.split(","));
const RUNS = Number(args.runs);
const SLOW_SOCKETS = 1_000;
const RECEIVE_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000;
const LOADS: RedisKillLoad[] = [
  { kind: "closed", clients: 16 },
  { kind: "open", ratePerSecond: 200 },
];

const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");

await makeDemoModels(path.join(REPO, "data/demo"));
const consoleSide = await setUpConsole(
  [{ label: "fraud-v1", file: "fraud-v1.onnx", inputName: "features", width: 14 }],
  { maxBatchSize: 64, maxQueueDelayMs: 2 },
);
const inferRequest = fraudInferRequest(consoleSide.deployments[0]!.name);
const bars: string[] = [];
console.log(`chaos soak ${new Date().toISOString()}: ${[...only].join(", ")}`);

try {
  if (only.has("redis")) {
    const redis = await ownRedis();
    const stack = await startFaultStack({
      redisUrl: redis.url,
      workerHostNames: ["soak-redis"],
      inferRequest,
    });
    try {
      for (const load of LOADS) {
        const runs: RedisKillRun[] = [];
        for (let run = 1; run <= RUNS; run++) {
          runs.push(await redisKillUnderLoad({ stack, redis, load, deadlineMs: 2_000 }));
          console.log(`run ${run}/${RUNS}: ${describeRedisKillRun(runs.at(-1)!)}`);
        }
        const backMs = runs.map((run) => run.servingBackAfterMs).sort((a, b) => a - b);
        const unexpected = runs.reduce((sum, run) => sum + run.unexpected.length, 0);
        const exits = runs.filter((run) => !run.gatewayAlive).length;
        bars.push(
          `done-when 1 (${load.kind} loop, ${RUNS} runs): gateway exits ${exits} ${verdict(exits === 0)}; ` +
            `answers not 200/503-in-outage or past deadline ${unexpected} ${verdict(unexpected === 0)}; serving ` +
            `back after Redis returned median ${backMs[Math.floor(backMs.length / 2)]!.toFixed(0)} ms, max ` +
            `${backMs.at(-1)!.toFixed(0)} ms (bar ${REDIS_BACK_WITHIN_MS}) ${verdict(backMs.at(-1)! < REDIS_BACK_WITHIN_MS)}`,
        );
      }
    } finally {
      await stack.stop();
      await redis.stop();
    }
  }

  if (only.has("slow")) {
    const stack = await startFaultStack({
      workerHostNames: ["soak-slow"],
      gatewayEnv: {
        GATEWAY_RECEIVE_TIMEOUT_MS: String(RECEIVE_TIMEOUT_MS),
        GATEWAY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
      inferRequest,
    });
    try {
      const run = await slowBodiesBesideTraffic({
        stack,
        sockets: SLOW_SOCKETS,
        durationMs: Number(args["slow-seconds"]) * 1000,
        receiveTimeoutMs: RECEIVE_TIMEOUT_MS,
      });
      console.log(describeSlowBodiesRun(run, SLOW_SOCKETS, RECEIVE_TIMEOUT_MS));
      const notCutOff = slowSocketsNotCutOff(run, REQUEST_TIMEOUT_MS).length;
      const [aloneMs, besideMs] = [percentileMs(run.alone, 0.5), percentileMs(run.beside, 0.5)];
      bars.push(
        `done-when 5 (${SLOW_SOCKETS} sockets, ${args["slow-seconds"]} s): sockets not cut off with 408 within ` +
          `the ${REQUEST_TIMEOUT_MS} ms request timeout ${notCutOff} ${verdict(notCutOff === 0)}; normal p50 ` +
          `${aloneMs.toFixed(1)} -> ${besideMs.toFixed(1)} ms beside them ${verdict(normalLatencyKept(run))}`,
      );
    } finally {
      await stack.stop();
    }
  }

  if (only.has("names")) {
    const stack = await startFaultStack({
      workerHostNames: ["soak-names"],
      gatewayNodeArgs: REPORT_MEMORY_NODE_ARGS,
      inferRequest,
    });
    try {
      const run = await unknownNamesFlood({ stack, names: Number(args.names), clients: 16 });
      console.log(describeUnknownNamesRun(run));
      const growthMb = rssGrowthMb(run);
      bars.push(
        `done-when 7 (${args.names} unknown names): gateway RSS ${growthMb >= 0 ? "+" : ""}${growthMb.toFixed(1)} ` +
          `MB (bar ${UNKNOWN_NAMES_RSS_GROWTH_BAR_MB}) ${verdict(growthMb < UNKNOWN_NAMES_RSS_GROWTH_BAR_MB)}`,
      );
    } finally {
      await stack.stop();
    }
  }
} finally {
  await consoleSide.tearDown();
}
console.log(["", "bars:", ...bars].join("\n"));
process.exit(0);
