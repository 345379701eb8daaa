import { AppError } from "@/server/domain/app-error";
import { roleProblem, type Action, type Role } from "@/server/domain/access/roles";

/**
 * Who makes a request, once its credentials were checked (server/services/auth/resolve-caller.ts):
 * the team it acts in, its role there, and the actor recorded in revisions and the audit log.
 */
export interface Caller {
  teamId: string;
  teamSlug: string;
  role: Role;
  /** "apikey:<id>", "user:<id>", or "local" where sign-in is not required and none was given. */
  actor: string;
  apiKeyId?: string;
  /** An API key's deployments; absent or empty, every deployment of the team. */
  deploymentNames?: string[];
}

/** Throws FORBIDDEN, naming the role needed and the caller's, unless the caller may take every action. */
export function authorize(caller: Caller, ...actions: Action[]): void {
  for (const action of actions) {
    const problem = roleProblem(action, caller.role, holderOf(caller));
    if (problem !== null) throw new AppError("FORBIDDEN", problem);
  }
}

export function mayReachDeployment(caller: Caller, deploymentName: string): boolean {
  const scope = caller.deploymentNames ?? [];
  return scope.length === 0 || scope.includes(deploymentName);
}

/** Throws FORBIDDEN when the caller's key is limited to other deployments. */
export function authorizeDeployment(caller: Caller, deploymentName: string): void {
  if (!mayReachDeployment(caller, deploymentName))
    throw new AppError("FORBIDDEN", deploymentScopeProblem(caller.deploymentNames ?? [], deploymentName));
}

export function deploymentScopeProblem(scope: string[], deploymentName: string): string {
  const listed = scope.map((name) => `'${name}'`).join(", ");
  return `this API key may reach only deployment${scope.length === 1 ? "" : "s"} ${listed}, not '${deploymentName}'`;
}

/** The rows a caller may see of a list of deployments (a scoped key sees only its own). */
export function reachableDeployments<T extends { name: string }>(caller: Caller, rows: T[]): T[] {
  return rows.filter((row) => mayReachDeployment(caller, row.name));
}

function holderOf(caller: Caller): string {
  if (caller.apiKeyId !== undefined) return "this key has";
  if (caller.actor.startsWith("user:")) return "you have";
  return `${caller.actor} has`;
}
