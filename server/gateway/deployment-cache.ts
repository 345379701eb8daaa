import { compileRouting } from "@/server/domain/traffic/route-request";
import type { ServingDeployment, ServingVersion } from "@/server/services/deployment/load-serving-deployment";

export interface CachedDeployment extends ServingDeployment {
  routing: ReturnType<typeof compileRouting>;
  versionsByNumber: Map<number, ServingVersion>;
}

/** A deployment's name is unique within its team only: every lookup and drop names both. */
export interface DeploymentKey {
  teamId: string;
  name: string;
}

/**
 * Deployments by team and name, loaded from Postgres on first use and dropped when a change is
 * announced on pub/sub (or all of them when the subscription reconnects, since messages may
 * have been missed). Requests routed before a drop finish on the revision they were routed with.
 */
export class DeploymentCache {
  private readonly entries = new Map<string, Promise<CachedDeployment | null>>();

  constructor(private readonly load: (key: DeploymentKey) => Promise<ServingDeployment | null>) {}

  get(key: DeploymentKey): Promise<CachedDeployment | null> {
    const id = entryId(key);
    let entry = this.entries.get(id);
    if (!entry) {
      entry = this.load(key).then((deployment) => deployment && compile(deployment));
      this.entries.set(id, entry);
      // A failed load (database down) is not remembered: the next request tries again.
      entry.catch(() => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      });
    }
    return entry;
  }

  invalidate(key: DeploymentKey): void {
    this.entries.delete(entryId(key));
  }

  clear(): void {
    this.entries.clear();
  }
}

// JSON of the pair: no team id or name can make two keys collide.
const entryId = ({ teamId, name }: DeploymentKey) => JSON.stringify([teamId, name]);

function compile(deployment: ServingDeployment): CachedDeployment {
  return {
    ...deployment,
    routing: compileRouting(deployment.target),
    versionsByNumber: new Map(
      [...deployment.versions.values()].map((version) => [version.versionNumber, version]),
    ),
  };
}
