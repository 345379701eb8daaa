/**
 * Next.js calls register() once when the server starts, before it answers a request: the web
 * process parses its environment here, so a bad variable stops it at boot with the variable's name
 * instead of failing the first request that reads it.
 */
export async function register(): Promise<void> {
  // The edge runtime has no process.exit and reads no server settings.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { readEnv, readEnvOrExit } = await import("@/server/env");
  readEnvOrExit(readEnv);
  // Only the console signs people in: the gateway and workers need no BETTER_AUTH_SECRET.
  const { readSignInSettings } = await import("@/server/auth/sign-in-settings");
  readEnvOrExit(readSignInSettings);
}
