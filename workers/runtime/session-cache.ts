import { stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import type { ArtifactCache } from "./artifact-cache";
import {
  SessionRunner,
  SessionRunnerClosedError,
  type RunOutcome,
  type RunRequest,
  type RunnerStartTimes,
} from "./session-runner";
import type { PackedTensor } from "./tensor-convert";

const MiB = 1024 * 1024;

/**
 * Memory a loaded session is assumed to hold, in MB: twice the artifact (onnxruntime keeps the
 * initializers, and may add prepacked or optimized copies of them; the file is read whole while
 * loading) plus a constant for the worker thread itself (its V8 isolate, onnxruntime's binding,
 * thread pool and arenas). Measured here (RSS growth of the process, CPU): a 2 KB model +62 MB,
 * the 84 MB heavy MLP +148 MB after a 256-row run, when each thread also booted a TypeScript
 * loader; without it (bundled-thread.ts) a tiny model's thread costs about 20 MB less, kept as
 * headroom. So the constant is the per-thread cost and the factor 2 is headroom for models that
 * prepack their weights and for activations at large batches. An estimate for eviction and
 * placement, not a measurement.
 */
export const SESSION_OVERHEAD_MB = 64;
export function estimateSessionFootprintMb(artifactBytes: number): number {
  return Math.ceil((2 * artifactBytes) / MiB) + SESSION_OVERHEAD_MB;
}

export interface SessionKey {
  artifactSha256: string;
  device: "cpu" | "cuda";
}

/** A session that finished loading, and where its load time went. */
export interface LoadedSession extends RunnerStartTimes {
  key: SessionKey;
  executionProvider: string;
  footprintMb: number;
  /** Getting the artifact's path: a download on this host's first use of it, else a lookup. */
  fetchMs: number;
}

export interface SessionCacheOptions {
  artifacts: ArtifactCache;
  memoryBudgetMb: number;
  maxBatchRows?: number;
  log?: (line: string) => void;
  /** Called once for each session loaded (the serving worker logs it). */
  onLoaded?: (loaded: LoadedSession) => void;
}

interface Entry {
  key: string;
  runner: Promise<SessionRunner>;
  loaded: SessionRunner | null;
  footprintMb: number;
}

/**
 * Session runners by (artifact, device), least recently used first out when the estimated
 * footprints exceed the memory budget. An evicted runner finishes its queued and in-flight
 * runs before its thread ends. One model larger than the whole budget still loads (alone).
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private closing = false;
  /** How many runners were evicted for memory since start. */
  evictions = 0;

  constructor(private readonly options: SessionCacheOptions) {}

  /** The runner for a model, loading it (artifact fetch, thread, session) on first use. */
  get(key: SessionKey): Promise<SessionRunner> {
    if (this.closing) return Promise.reject(new Error("the session cache is closed"));
    const id = entryId(key);
    let entry = this.entries.get(id);
    if (entry && entry.loaded?.closed) {
      this.entries.delete(id);
      entry = undefined;
    }
    if (entry) {
      this.entries.delete(id); // re-insert: Map order is the recency order
      this.entries.set(id, entry);
      return entry.runner;
    }
    const created: Entry = { key: id, runner: Promise.resolve(null as never), loaded: null, footprintMb: 0 };
    created.runner = this.load(key, created).catch((error: Error) => {
      if (this.entries.get(id) === created) this.entries.delete(id);
      throw error;
    });
    this.entries.set(id, created);
    return created.runner;
  }

  /** Whether a session for the key is loaded or loading. */
  has(key: SessionKey): boolean {
    const entry = this.entries.get(entryId(key));
    return entry !== undefined && !entry.loaded?.closed;
  }

  /** get + run, once more on a fresh runner if this one was evicted between the two. */
  async run<T = WireTensor>(
    key: SessionKey,
    requests: RunRequest[],
    /** What each output becomes (SessionRunner.run); JSON arrays unless told. */
    toOutput?: (tensor: PackedTensor) => T,
  ): Promise<RunOutcome<T> & { executionProvider: string }> {
    for (let attempt = 0; ; attempt++) {
      const runner = await this.get(key);
      try {
        return { ...(await runner.run<T>(requests, toOutput)), executionProvider: runner.executionProvider };
      } catch (error) {
        if (!(error instanceof SessionRunnerClosedError) || attempt > 0) throw error;
      }
    }
  }

  /** Loaded sessions, least recently used first. */
  loaded(): { key: string; footprintMb: number; executionProvider: string }[] {
    return [...this.entries.values()].flatMap((entry) =>
      entry.loaded
        ? [
            {
              key: entry.key,
              footprintMb: entry.footprintMb,
              executionProvider: entry.loaded.executionProvider,
            },
          ]
        : [],
    );
  }

  usedMb(): number {
    let used = 0;
    for (const entry of this.entries.values()) used += entry.footprintMb;
    return used;
  }

  async close(): Promise<void> {
    this.closing = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map((entry) =>
        entry.runner.then(
          (runner) => runner.close(),
          () => undefined,
        ),
      ),
    );
  }

  private async load(key: SessionKey, entry: Entry): Promise<SessionRunner> {
    const fetchStarted = performance.now();
    const modelPath = await this.options.artifacts.pathFor(key.artifactSha256);
    const fetchMs = performance.now() - fetchStarted;
    entry.footprintMb = estimateSessionFootprintMb((await stat(modelPath)).size);
    this.evictFor(entry);
    const runner = await SessionRunner.start({
      modelPath,
      device: key.device,
      maxBatchRows: this.options.maxBatchRows,
    });
    if (runner.fallbackReason)
      this.options.log?.(`model ${key.artifactSha256.slice(0, 12)}: ${runner.fallbackReason}`);
    runner.onExit(() => {
      if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    });
    entry.loaded = runner;
    if (this.closing) void runner.close();
    this.options.onLoaded?.({
      key,
      executionProvider: runner.executionProvider,
      footprintMb: entry.footprintMb,
      fetchMs,
      ...runner.startTimes,
    });
    return runner;
  }

  private evictFor(incoming: Entry): void {
    for (const entry of this.entries.values()) {
      if (this.usedMb() <= this.options.memoryBudgetMb) return;
      if (entry === incoming || !entry.loaded) continue;
      this.entries.delete(entry.key);
      this.evictions++;
      this.options.log?.(
        `evicting ${entry.key} (${entry.footprintMb} MB) to fit ${incoming.key} (${incoming.footprintMb} MB) in ${this.options.memoryBudgetMb} MB`,
      );
      void entry.loaded.close();
    }
  }
}

function entryId(key: SessionKey): string {
  return `${key.device}:${key.artifactSha256}`;
}
