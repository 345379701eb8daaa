import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { Prisma } from "@/generated/prisma/client";
import { createDb, getDb } from "@/server/db";
import { applyMigrations, readMigrationFiles } from "@/server/migrations/apply-migrations";
import { createDatabase, dropDatabase, uniqueName } from "@/test/support/databases";

const emptyDatabase = uniqueName("mlops_migrate");
afterAll(() => dropDatabase(emptyDatabase));

describe("migrations", () => {
  it("apply in order on an empty database, record Prisma-compatible rows, and are idempotent", async () => {
    const url = await createDatabase(emptyDatabase);
    const files = await readMigrationFiles();
    expect(await applyMigrations(url)).toEqual(files.map((file) => file.name));
    expect(await applyMigrations(url)).toEqual([]);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((row) => [row.migration_name, row.checksum, row.applied_steps_count])).toEqual(
      files.map((file) => [file.name, file.checksum, 1]),
    );
    expect(rows.every((row) => row.finished_at instanceof Date)).toBe(true);

    // A migration edited after it ran must stop the migrate step, not be silently skipped.
    await client.query(`UPDATE "_prisma_migrations" SET checksum = 'edited' WHERE migration_name = $1`, [
      files[0]!.name,
    ]);
    await client.end();
    await expect(applyMigrations(url)).rejects.toThrow(/was edited after it was applied/);
  });

  it("roll a failing migration back and leave the schema as it was", async () => {
    const { mkdtemp, mkdir, writeFile, cp } = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = await mkdtemp(path.join(os.tmpdir(), "migrations-"));
    await cp(new URL("../../prisma/migrations", import.meta.url), dir, { recursive: true });
    await mkdir(path.join(dir, "29990101000000_broken"));
    await writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      `CREATE TABLE "HalfDone" ("id" TEXT); SELECT * FROM "TableThatDoesNotExist";`,
    );
    const url = process.env.DATABASE_URL!;
    await expect(applyMigrations(url, dir)).rejects.toThrow(
      /29990101000000_broken failed and was rolled back/,
    );
    const tables = await getDb().$queryRaw<{ count: bigint }[]>`
      SELECT count(*) FROM information_schema.tables WHERE table_name = 'HalfDone'`;
    expect(Number(tables[0]!.count)).toBe(0);
  });
});

describe("the migrated schema matches the generated client", () => {
  it("round-trips every model", async () => {
    const db = getDb();
    const now = new Date("2026-11-24T10:00:00.000Z");
    const team = await db.team.create({ data: { slug: "acme", name: "Acme" } });
    const user = await db.user.create({
      data: { email: "ada@example.com", name: "Ada", emailVerified: true, image: "https://img/ada.png" },
    });
    const session = await db.session.create({
      data: {
        token: "t".repeat(32),
        userId: user.id,
        expiresAt: now,
        ipAddress: "127.0.0.1",
        userAgent: "vitest",
      },
    });
    const account = await db.account.create({
      data: {
        accountId: "subject-1",
        providerId: "oidc",
        userId: user.id,
        accessToken: "a",
        refreshToken: "r",
        idToken: "i",
        accessTokenExpiresAt: now,
        refreshTokenExpiresAt: now,
        scope: "openid,email",
        password: "scrypt-hash",
      },
    });
    const verification = await db.verification.create({
      data: { identifier: "state", value: "{}", expiresAt: now },
    });
    const rateLimit = await db.rateLimit.create({
      data: { key: "127.0.0.1|/sign-in/email", count: 5, lastRequest: 1_795_000_000_000n },
    });
    const membership = await db.membership.create({
      data: { teamId: team.id, userId: user.id, role: "admin" },
    });
    const apiKey = await db.apiKey.create({
      data: {
        teamId: team.id,
        name: "ci",
        prefix: "mlk_ab12",
        keyHash: "f".repeat(64),
        role: "editor",
        expiresAt: now,
        lastUsedAt: now,
        revokedAt: now,
        createdBy: "user:ada",
        deploymentNames: ["fraud-prod", "fraud-staging"],
        requestsPerMinute: 600,
      },
    });
    const model = await db.model.create({
      data: { teamId: team.id, name: "fraud", description: "d", task: "binary-classification" },
    });
    const featureSet = await db.featureSet.create({
      data: { teamId: team.id, name: "fraud-features", description: "d" },
    });
    const featureSetVersion = await db.featureSetVersion.create({
      data: {
        teamId: team.id,
        featureSetId: featureSet.id,
        number: 1,
        features: [{ name: "amount", dtype: "float", min: 0, max: null }],
        baseline: { rowCount: 1 },
        sampleRowCount: 1,
        sampleSha256: "a".repeat(64),
      },
    });
    const version = await db.modelVersion.create({
      data: {
        teamId: team.id,
        modelId: model.id,
        number: 1,
        status: "validated",
        description: "v1",
        artifactSha256: "b".repeat(64),
        artifactSizeBytes: 1234,
        storageKey: "sha256/bb/bbbb.onnx",
        signature: { inputs: [{ name: "x", elementType: "float32", shape: ["batch", 14] }], outputs: [] },
        irVersion: 8,
        opsetImports: [{ domain: "", version: 17 }],
        producerName: "p",
        producerVersion: "1",
        metrics: { auc: 0.9 },
        gitCommit: "abc",
        dataRef: "s3://x",
        tags: { owner: "ada" },
        featureSetVersionId: featureSetVersion.id,
      },
    });
    const goldenSet = await db.goldenSet.create({
      data: {
        teamId: team.id,
        modelId: model.id,
        name: "holdout",
        format: "csv",
        task: { kind: "binary-classification", probabilityOutput: "probability" },
        csvEncoding: { labelColumn: "is_fraud", features: [] },
        rowCount: 5000,
        artifactSha256: "c".repeat(64),
        artifactSizeBytes: 400_000,
        storageKey: "sha256/cc/cccc",
        createdBy: "user:1",
      },
    });
    const evaluation = await db.evaluation.create({
      data: {
        teamId: team.id,
        modelId: model.id,
        number: 1,
        modelVersionId: version.id,
        goldenSetId: goldenSet.id,
        status: "failed",
        metrics: { roc_auc: 0.9, accuracy: null },
        error: "e",
        hostName: "cpu-1",
        createdBy: "user:1",
        startedAt: now,
        finishedAt: now,
      },
    });
    const deployment = await db.deployment.create({
      data: {
        teamId: team.id,
        name: "fraud-prod",
        gateRequired: true,
        gateGoldenSetId: goldenSet.id,
        gateMargin: 0.025,
        modelId: model.id,
        environment: "production",
        maxBatchSize: 64,
        maxQueueDelayMs: 3,
        replicas: 2,
        device: "cuda",
      },
    });
    const revision = await db.deploymentRevision.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        number: 1,
        strategy: "initial",
        target: { weights: [{ versionId: version.id, weight: 100 }] },
        reason: "r",
        createdBy: "user:1",
      },
    });
    const activated = await db.deployment.update({
      where: { id: deployment.id },
      data: { activeRevisionId: revision.id },
    });
    const canaryAnalysis = await db.canaryAnalysis.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        canaryVersionId: version.id,
        stableVersionId: version.id,
        settings: { stepPercent: 10 },
        status: "rolledBack",
        weightPercent: 20,
        inconclusiveCount: 1,
        lastCheckedAt: now,
        steps: [{ decision: "start" }],
        reason: "ROC AUC 0.68 against 0.9",
        createdBy: "user:ann",
      },
    });
    const promotionRequest = await db.promotionRequest.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        number: 1,
        versionNumber: 1,
        note: "passes the holdout",
        requestedBy: "user:ann",
        status: "approved",
        decidedBy: "user:bob",
        decidedAt: now,
        revisionNumber: 2,
      },
    });
    const host = await db.host.create({
      data: {
        name: "gpu-1",
        device: "cuda",
        gpuMemoryMb: 24_000,
        costMicrosPerHour: 1_200_000,
        executionProviders: ["cuda", "cpu"],
        lastHeartbeatAt: now,
      },
    });
    const replica = await db.replica.create({
      data: {
        hostId: host.id,
        deploymentId: deployment.id,
        modelVersionId: version.id,
        memoryMb: 300,
        status: "loaded",
      },
    });
    const batchJob = await db.batchJob.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        modelVersionId: version.id,
        status: "running",
        inputKey: "in",
        outputKey: "out",
        totalRows: 10,
        processedRows: 5,
        failedRows: 1,
        chunkCount: 2,
        errors: [{ row: 3 }],
        inputSha256: "a".repeat(64),
        inputFileName: "rows.parquet",
        inputSizeBytes: 5_000_000_000n,
        inputFormat: "parquet",
        columns: ["a", "b"],
        mapping: { features: ["a", "b"] },
        outputFormat: "csv",
        errorsKey: "errors",
        chunkRows: 5,
        batchRows: 64,
        maxErrorShare: 0.05,
        round: 1,
        error: "chunk 1 failed",
        cancelRequestedAt: now,
        comparison: { rows: 10, changedLabelShare: 0.1, meanAbsScoreDelta: null },
        createdBy: "ci",
        startedAt: now,
        finishedAt: now,
      },
    });
    const rerun = await db.batchJob.create({
      data: { teamId: team.id, modelVersionId: version.id, inputKey: "in", sourceJobId: batchJob.id },
    });
    const chunk = await db.batchJobChunk.create({
      data: {
        batchJobId: batchJob.id,
        index: 1,
        status: "failed",
        rowStart: 5,
        rowCount: 5,
        byteStart: 100n,
        byteEnd: 4_000_000_000n,
        firstLine: 7,
        processedRows: 4,
        failedRows: 1,
        attempts: 3,
        error: "boom",
        hostName: "h",
        startedAt: now,
        finishedAt: now,
      },
    });
    const rollup = await db.metricRollup.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        modelVersionId: version.id,
        granularity: "minute",
        role: "shadow",
        bucketStart: now,
        requests: 10,
        okRequests: 9,
        errorsDeadline: 1,
        latencyBuckets: [1, 2],
        latencySumUs: 9_000_000_000n,
        queueWaitBuckets: [3],
        computeBuckets: [4],
        runComputeBuckets: [5],
        queueWaitSumUs: 5n,
        busyComputeUs: 6n,
        jobsTimer: 2,
        runRowsSum: 10n,
        allocatedCostMicros: 7n,
      },
    });
    const sample = await db.predictionSample.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        modelVersionId: version.id,
        inputs: { x: [1] },
        outputs: { y: [0.5] },
        latencyUs: 1500,
        shadow: true,
        requestId: "req-1",
      },
    });
    const label = await db.predictionLabel.create({
      data: { teamId: team.id, deploymentId: deployment.id, requestId: "req-1", values: [1, 0.25] },
    });
    const drift = await db.driftReport.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        modelVersionId: version.id,
        featureSetVersionId: featureSetVersion.id,
        windowStart: now,
        windowEnd: now,
        sampleCount: 100,
        features: [{ name: "amount", psi: 0.3 }],
        status: "drift",
      },
    });
    const outputReference = await db.outputReference.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        modelVersionId: version.id,
        windowStart: now,
        windowEnd: now,
        rowCount: 600,
        outputs: [{ kind: "categorical", name: "label", count: 600, missingCount: 0, frequencies: [] }],
      },
    });
    const rule = await db.alertRule.create({
      data: {
        teamId: team.id,
        deploymentId: deployment.id,
        name: "p99",
        metric: "latencyP99Ms",
        comparator: "gt",
        threshold: 25.5,
        number: 1,
        windowMinutes: 10,
        forMinutes: 3,
        receiverNumbers: [1, 2],
        state: "firing",
        stateSince: now,
        lastValue: 31.5,
        lastEvaluatedAt: now,
        createdBy: "user:x",
        enabled: false,
      },
    });
    const alertEvent = await db.alertEvent.create({
      data: {
        teamId: team.id,
        ruleId: rule.id,
        number: 2,
        status: "resolved",
        value: 30.25,
        message: "m",
        firedAt: now,
        resolvedAt: now,
        resolvedValue: 12.5,
      },
    });
    const audit = await db.auditEvent.create({
      data: {
        teamId: team.id,
        actor: `user:${user.id}`,
        action: "deployment.promote",
        targetType: "deployment",
        targetId: deployment.id,
        data: { from: 1 },
      },
    });
    const webhook = await db.webhook.create({
      data: {
        teamId: team.id,
        number: 1,
        url: "https://ci.example.com/hooks",
        description: "CI",
        secretCiphertext: "v1.iv.tag.ct",
        secretPrefix: "whsec_Ab3d…",
        format: "pagerduty",
        routingKeyCiphertext: "v1.iv.tag.rk",
        eventTypes: ["modelVersion.registered", "alert.fired"],
        modelNames: ["fraud"],
        enabled: false,
        createdBy: "user:ann",
      },
    });
    const webhookDelivery = await db.webhookDelivery.create({
      data: {
        teamId: team.id,
        webhookId: webhook.id,
        eventId: "evt_1",
        eventType: "modelVersion.registered",
        body: '{"id":"evt_1"}',
        status: "failed",
        attempts: 6,
        lastStatusCode: 500,
        lastError: "the receiver answered 500",
        lastResponseExcerpt: "oops",
        lastDurationMs: 12,
        lastAttemptAt: now,
        nextAttemptAt: now,
        deliveredAt: now,
      },
    });

    const roundTrips: Record<Prisma.ModelName, [unknown, unknown]> = {
      Team: [team, await db.team.findUniqueOrThrow({ where: { id: team.id } })],
      User: [user, await db.user.findUniqueOrThrow({ where: { id: user.id } })],
      Session: [session, await db.session.findUniqueOrThrow({ where: { id: session.id } })],
      Account: [account, await db.account.findUniqueOrThrow({ where: { id: account.id } })],
      Verification: [
        verification,
        await db.verification.findUniqueOrThrow({ where: { id: verification.id } }),
      ],
      RateLimit: [rateLimit, await db.rateLimit.findUniqueOrThrow({ where: { id: rateLimit.id } })],
      Membership: [membership, await db.membership.findUniqueOrThrow({ where: { id: membership.id } })],
      ApiKey: [apiKey, await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })],
      Model: [model, await db.model.findUniqueOrThrow({ where: { id: model.id } })],
      ModelVersion: [version, await db.modelVersion.findUniqueOrThrow({ where: { id: version.id } })],
      FeatureSet: [featureSet, await db.featureSet.findUniqueOrThrow({ where: { id: featureSet.id } })],
      FeatureSetVersion: [
        featureSetVersion,
        await db.featureSetVersion.findUniqueOrThrow({ where: { id: featureSetVersion.id } }),
      ],
      Deployment: [activated, await db.deployment.findUniqueOrThrow({ where: { id: deployment.id } })],
      DeploymentRevision: [
        revision,
        await db.deploymentRevision.findUniqueOrThrow({ where: { id: revision.id } }),
      ],
      Host: [host, await db.host.findUniqueOrThrow({ where: { id: host.id } })],
      Replica: [replica, await db.replica.findUniqueOrThrow({ where: { id: replica.id } })],
      BatchJob: [batchJob, await db.batchJob.findUniqueOrThrow({ where: { id: batchJob.id } })],
      BatchJobChunk: [chunk, await db.batchJobChunk.findUniqueOrThrow({ where: { id: chunk.id } })],
      MetricRollup: [
        rollup,
        await db.metricRollup.findUniqueOrThrow({
          where: {
            deploymentId_granularity_bucketStart_modelVersionId_role: {
              deploymentId: deployment.id,
              granularity: "minute",
              bucketStart: now,
              modelVersionId: version.id,
              role: "shadow",
            },
          },
        }),
      ],
      PredictionSample: [sample, await db.predictionSample.findUniqueOrThrow({ where: { id: sample.id } })],
      PredictionLabel: [label, await db.predictionLabel.findUniqueOrThrow({ where: { id: label.id } })],
      DriftReport: [drift, await db.driftReport.findUniqueOrThrow({ where: { id: drift.id } })],
      OutputReference: [
        outputReference,
        await db.outputReference.findUniqueOrThrow({ where: { id: outputReference.id } }),
      ],
      AlertRule: [rule, await db.alertRule.findUniqueOrThrow({ where: { id: rule.id } })],
      AlertEvent: [alertEvent, await db.alertEvent.findUniqueOrThrow({ where: { id: alertEvent.id } })],
      AuditEvent: [audit, await db.auditEvent.findUniqueOrThrow({ where: { id: audit.id } })],
      GoldenSet: [goldenSet, await db.goldenSet.findUniqueOrThrow({ where: { id: goldenSet.id } })],
      Evaluation: [evaluation, await db.evaluation.findUniqueOrThrow({ where: { id: evaluation.id } })],
      CanaryAnalysis: [
        canaryAnalysis,
        await db.canaryAnalysis.findUniqueOrThrow({ where: { id: canaryAnalysis.id } }),
      ],
      PromotionRequest: [
        promotionRequest,
        await db.promotionRequest.findUniqueOrThrow({ where: { id: promotionRequest.id } }),
      ],
      Webhook: [webhook, await db.webhook.findUniqueOrThrow({ where: { id: webhook.id } })],
      WebhookDelivery: [
        webhookDelivery,
        await db.webhookDelivery.findUniqueOrThrow({ where: { id: webhookDelivery.id } }),
      ],
    };
    const reruns = await db.batchJob.findUniqueOrThrow({
      where: { id: batchJob.id },
      include: { reruns: true },
    });
    expect(reruns.reruns.map((job) => job.id)).toEqual([rerun.id]);
    expect(Object.keys(roundTrips).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    for (const [name, [written, read]] of Object.entries(roundTrips)) {
      expect(read, name).toEqual(written);
    }
  });

  it("has a column for every field of every model and nothing the client does not know", async () => {
    // Compares the live catalog with a fresh client's view, so a hand-written migration that
    // forgot or misspelled a column fails here even if no round trip touched it.
    const db = createDb(process.env.DATABASE_URL!);
    const columns = await db.$queryRaw<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`;
    await db.$disconnect();
    const actual = new Map<string, string[]>();
    for (const { table_name, column_name } of columns)
      actual.set(table_name, [...(actual.get(table_name) ?? []), column_name]);
    for (const name of Object.values(Prisma.ModelName)) {
      const fields = Object.keys(
        (Prisma as unknown as Record<string, Record<string, string>>)[`${name}ScalarFieldEnum`]!,
      );
      expect(actual.get(name)?.sort(), name).toEqual(fields.sort());
    }
    expect([...actual.keys()].sort()).toEqual(Object.values(Prisma.ModelName).sort());
  });
});
