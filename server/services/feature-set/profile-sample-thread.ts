import { createReadStream } from "node:fs";
import { workerData } from "node:worker_threads";
import { profileSample } from "@/server/domain/feature-set/profile-sample";
import { replyToParent } from "@/server/threads/one-shot-thread";
import type { ProfileSampleInput } from "@/server/services/feature-set/profile-sample-in-thread";

// The thread entry behind profileSampleInThread: reads the staged sample from disk, pass by
// pass, in 1 MiB chunks, and posts the profile (or the AppError that refuses the sample).
const { samplePath, features, maxRows } = workerData as ProfileSampleInput;
replyToParent(() =>
  profileSample({
    read: () => createReadStream(samplePath, { highWaterMark: 1024 * 1024 }),
    features,
    maxRows,
  }),
);
