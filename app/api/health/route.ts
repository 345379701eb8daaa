import { checkHealth } from "@/server/services/health/check-health";

export const dynamic = "force-dynamic";

/** For load balancers and the container healthcheck: 200 when Postgres and Redis answer, 503 otherwise. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, { status: health.ok ? 200 : 503 });
}
