import { afterEach, describe, expect, it, vi } from "vitest";
import { readWorkerEnv, WORKER_ROLE_NAMES } from "@/workers/worker-env";

afterEach(() => vi.unstubAllEnvs());

const rolesOf = (value: string | undefined) => {
  vi.stubEnv("WORKER_ROLES", value);
  return readWorkerEnv().WORKER_ROLES;
};

const errorOf = (value: string): string => {
  vi.stubEnv("WORKER_ROLES", value);
  try {
    readWorkerEnv();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`WORKER_ROLES='${value}' was accepted`);
};

describe("WORKER_ROLES", () => {
  it("defaults to serving", () => {
    expect(rolesOf(undefined)).toEqual(["serving"]);
  });

  it("reads a comma list, ignoring spaces, empty entries and repeats", () => {
    expect(rolesOf(" serving ,, serving")).toEqual(["serving"]);
  });

  it("refuses an unknown role, naming the variable, the bad name, the value and the known roles", () => {
    const message = errorOf("serving,bacth");
    expect(message).toContain("WORKER_ROLES");
    expect(message).toContain("unknown role 'bacth' in 'serving,bacth'");
    expect(message).toContain(`known roles: ${WORKER_ROLE_NAMES.join(", ")}`);
  });

  it("names every unknown role at once", () => {
    expect(errorOf("batch,monitor")).toContain("unknown role 'batch', 'monitor'");
  });

  it("refuses a list that names no role", () => {
    expect(errorOf(" , ")).toContain(
      `WORKER_ROLES: ' , ' names no role; known roles: ${WORKER_ROLE_NAMES.join(", ")}`,
    );
  });
});
