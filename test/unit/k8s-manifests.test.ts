import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, PersistentVolumeClaim, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { BATCH_CHUNK_QUEUE_NAME } from "@/server/contracts/batch";
import { queueKey } from "@/server/contracts/key-prefix";

/** deploy/k8s, validated offline: every object against its kind's schema, every path it names. */
const ROOT = path.resolve(import.meta.dirname, "../../deploy/k8s");

type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string } } & Record<
  string,
  unknown
>;
interface Doc {
  file: string;
  object: Manifest;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1 Deployment": Deployment,
  "v1 Service": Service,
  "v1 ConfigMap": ConfigMap,
  "v1 PersistentVolumeClaim": PersistentVolumeClaim,
  "keda.sh/v1alpha1 ScaledObject": ScaledObject,
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

function docsOf(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((document) => {
    expect(document.errors, `${file}: ${document.errors.join("; ")}`).toEqual([]);
    return { file, object: document.toJS() as Manifest };
  });
}

const files = yamlFiles(ROOT);
const docs = files.flatMap(docsOf);
const kustomizations = docs.filter((doc) => doc.object.kind === "Kustomization");
/** Strategic merge patches: partial objects, checked against the object they patch instead. */
const patchFiles = new Set(
  kustomizations.flatMap(({ file, object }) =>
    ((object.patches as { path?: string }[] | undefined) ?? []).flatMap((patch) =>
      patch.path ? [path.resolve(path.dirname(file), patch.path)] : [],
    ),
  ),
);
const objects = docs.filter((doc) => doc.object.kind !== "Kustomization" && !patchFiles.has(doc.file));
const named = (kind: string, name: string) =>
  objects.find((doc) => doc.object.kind === kind && doc.object.metadata?.name === name)?.object;
const deployments = objects
  .filter((doc) => doc.object.kind === "Deployment")
  .map((doc) => new Deployment(doc.object as never));

describe("Kubernetes manifests (deploy/k8s)", () => {
  it("has a base and a gpu overlay", () => {
    const relative = files.map((file) => path.relative(ROOT, file));
    expect(relative).toEqual(
      expect.arrayContaining(["base/kustomization.yaml", "overlays/gpu/kustomization.yaml"]),
    );
  });

  it.each(
    objects.map((doc) => [
      `${path.relative(ROOT, doc.file)} ${doc.object.kind} ${doc.object.metadata?.name}`,
      doc,
    ]),
  )("%s is valid for its kind", (_name, { object }) => {
    const Model = MODELS[`${object.apiVersion} ${object.kind}`];
    expect(Model, `no model for ${object.apiVersion} ${object.kind}`).toBeDefined();
    expect(() => new Model!(object as never).validate()).not.toThrow();
  });

  it("refuses what it should: the validation bites", () => {
    const worker = structuredClone(named("Deployment", "mlops-worker")!) as { spec: { replicas: unknown } };
    worker.spec.replicas = "two";
    expect(() => new Deployment(worker as never).validate()).toThrow();
    const scaled = structuredClone(named("ScaledObject", "mlops-worker")!) as {
      spec: Record<string, unknown>;
    };
    delete scaled.spec.scaleTargetRef;
    expect(() => new ScaledObject(scaled as never).validate()).toThrow();
  });

  it.each(kustomizations.map((doc) => [path.relative(ROOT, doc.file), doc]))(
    "%s names resources and patches that exist",
    (_name, { file, object }) => {
      const dir = path.dirname(file);
      const listed = [
        ...((object.resources as string[] | undefined) ?? []),
        ...((object.patches as { path: string }[] | undefined) ?? []).map((patch) => patch.path),
      ];
      expect(listed.length).toBeGreaterThan(0);
      for (const entry of listed) {
        const target = path.resolve(dir, entry);
        expect(existsSync(target), `${entry} (from ${file})`).toBe(true);
        if (statSync(target).isDirectory())
          expect(existsSync(path.join(target, "kustomization.yaml"))).toBe(true);
      }
    },
  );

  it("patches only objects the base has, by kind and name", () => {
    for (const file of patchFiles)
      for (const { object } of docsOf(file))
        expect(named(object.kind!, object.metadata!.name!)).toBeDefined();
  });

  it("selects each Service's pods from a Deployment, and scales Deployments that exist", () => {
    for (const { object } of objects.filter((doc) => doc.object.kind === "Service")) {
      const selector = new Service(object as never).spec!.selector!;
      const match = deployments.find((deployment) =>
        Object.entries(selector).every(
          ([key, value]) => deployment.spec!.template.metadata!.labels![key] === value,
        ),
      );
      expect(match, `Service ${object.metadata?.name}`).toBeDefined();
    }
    for (const { object } of objects.filter((doc) => doc.object.kind === "ScaledObject")) {
      const target = new ScaledObject(object as never).spec.scaleTargetRef.name;
      expect(named("Deployment", target), `ScaledObject ${object.metadata?.name}`).toBeDefined();
    }
  });

  it("uses the ports and env names the processes really read", () => {
    const envOf = (name: string) =>
      Object.fromEntries(
        (
          deployments.find((d) => d.metadata!.name === name)!.spec!.template.spec!.containers[0]!.env ?? []
        ).map((variable) => [variable.name, variable.value]),
      );
    const portOf = (name: string) =>
      deployments.find((d) => d.metadata!.name === name)!.spec!.template.spec!.containers[0]!.ports![0]!
        .containerPort;
    expect(portOf("mlops-console")).toBe(3000);
    expect(envOf("mlops-console")).toMatchObject({ PORT: "3000", HOST: "0.0.0.0" });
    expect(portOf("mlops-gateway")).toBe(8080);
    expect(envOf("mlops-gateway")).toMatchObject({ GATEWAY_PORT: "8080", GATEWAY_HOST: "0.0.0.0" });
    expect(portOf("mlops-worker")).toBe(9464);
    expect(envOf("mlops-worker")).toMatchObject({ WORKER_METRICS_PORT: "9464", WORKER_ROLES: "serving" });
    const configMap = new ConfigMap(named("ConfigMap", "mlops-env") as never);
    expect(Object.keys(configMap.data!)).toEqual(expect.arrayContaining(["REDIS_URL", "REDIS_KEY_PREFIX"]));
    // Every variable a container sets is one the processes' env schemas know.
    const sources = ["server/env.ts", "server/gateway/gateway-env.ts", "workers/worker-env.ts"]
      .map((file) => readFileSync(path.resolve(import.meta.dirname, "../..", file), "utf8"))
      .join("\n");
    const known = (name: string) =>
      new RegExp(`\\b${name}:`).test(sources) || ["NODE_ENV", "NEXT_TELEMETRY_DISABLED"].includes(name);
    const setNames = [
      ...Object.keys(configMap.data!),
      ...deployments.flatMap((d) =>
        d.spec!.template.spec!.containers.flatMap((c) => (c.env ?? []).map((v) => v.name)),
      ),
    ];
    for (const name of setNames) expect(known(name), name).toBe(true);
  });

  it("asks for a GPU for the overlay's workers, and scales batch workers to zero from the real queue key", () => {
    const [patch] = docsOf(path.join(ROOT, "overlays/gpu/worker-gpu.yaml"));
    const container = (patch!.object as unknown as Deployment).spec!.template.spec!.containers[0]!;
    expect(container.resources!.limits!["nvidia.com/gpu"]).toBe(1);
    expect(container.env).toContainEqual({ name: "WORKER_DEVICE", value: "cuda" });

    const batch = new ScaledObject(named("ScaledObject", "mlops-worker-batch") as never);
    expect(batch.spec.minReplicaCount).toBe(0);
    const prefix = new ConfigMap(named("ConfigMap", "mlops-env") as never).data!.REDIS_KEY_PREFIX;
    expect(batch.spec.triggers[0]!.metadata.listName).toBe(
      `${prefix}${queueKey(BATCH_CHUNK_QUEUE_NAME, "wait")}`,
    );

    const serving = new ScaledObject(named("ScaledObject", "mlops-worker") as never);
    expect(serving.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const queries = serving.spec.triggers.map((trigger) => String(trigger.metadata.query));
    expect(queries).toContain('max(mlops_serving_queue_waiting_jobs{device="cuda"})');
  });
});
