/** Service errors (not the caller's bad input) over requests from which a deployment is degraded. */
export const DEGRADED_ERROR_RATE = 0.01;
/** ... and failing: one request in twenty. */
export const FAILING_ERROR_RATE = 0.05;

export type DeploymentHealth = "unserved" | "idle" | "healthy" | "degraded" | "failing";

/** A deployment's health over a window, for the overview. */
export function healthOf({
  served,
  requests,
  serviceErrors,
}: {
  served: boolean;
  requests: number;
  serviceErrors: number;
}): DeploymentHealth {
  if (!served) return "unserved";
  if (requests === 0) return "idle";
  const rate = serviceErrors / requests;
  if (rate >= FAILING_ERROR_RATE) return "failing";
  return rate >= DEGRADED_ERROR_RATE ? "degraded" : "healthy";
}
