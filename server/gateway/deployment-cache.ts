import { compileRouting } from "@/server/domain/traffic/route-request";
import type { ServingDeployment, ServingVersion } from "@/server/services/deployment/load-serving-deployment";

export interface CachedDeployment extends ServingDeployment {
  routing: ReturnType<typeof compileRouting>;
  versionsByNumber: Map<number, ServingVersion>;
}

/**
 * Deployments by name, loaded from Postgres on first use and dropped when a change is announced
 * on pub/sub (or all of them when the subscription reconnects, since messages may have been
 * missed). Requests routed before a drop finish on the revision they were routed with.
 */
export class DeploymentCache {
  private readonly entries = new Map<string, Promise<CachedDeployment | null>>();

  constructor(private readonly load: (name: string) => Promise<ServingDeployment | null>) {}

  get(name: string): Promise<CachedDeployment | null> {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = this.load(name).then((deployment) => deployment && compile(deployment));
      this.entries.set(name, entry);
      // A failed load (database down) is not remembered: the next request tries again.
      entry.catch(() => {
        if (this.entries.get(name) === entry) this.entries.delete(name);
      });
    }
    return entry;
  }

  invalidate(name: string): void {
    this.entries.delete(name);
  }

  clear(): void {
    this.entries.clear();
  }
}

function compile(deployment: ServingDeployment): CachedDeployment {
  return {
    ...deployment,
    routing: compileRouting(deployment.target),
    versionsByNumber: new Map(
      [...deployment.versions.values()].map((version) => [version.versionNumber, version]),
    ),
  };
}
