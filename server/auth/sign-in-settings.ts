import { InvalidEnvironmentError, readEnv, type Env } from "@/server/env";

/** Everything sign-in reads from the environment, checked together. */
export interface SignInSettings {
  /** Undefined outside production: better-auth then signs with its development secret. */
  secret: string | undefined;
  /** The console's public URL, without a trailing slash. */
  baseUrl: string;
  /** The console's public origin, which cookie-carrying changes must come from. */
  consoleOrigin: string;
  oidc: { issuerUrl: string; clientId: string; clientSecret: string; displayName: string } | null;
}

const OIDC_VARIABLES = ["OIDC_ISSUER_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const;

/**
 * The sign-in settings of `env`, or an InvalidEnvironmentError naming what is wrong: in production
 * a missing BETTER_AUTH_SECRET (sessions signed with a public default could be forged), and a
 * single sign-on configured by halves.
 */
export function signInSettingsOf(env: Env, nodeEnv = process.env.NODE_ENV): SignInSettings {
  const problems: string[] = [];
  if (nodeEnv === "production" && env.BETTER_AUTH_SECRET === undefined)
    problems.push(
      "BETTER_AUTH_SECRET: required in production, to sign session cookies; set it to at least 32 random characters (openssl rand -base64 32)",
    );
  const setOidc = OIDC_VARIABLES.filter((name) => env[name] !== undefined);
  if (setOidc.length > 0 && setOidc.length < OIDC_VARIABLES.length) {
    const missing = OIDC_VARIABLES.filter((name) => env[name] === undefined);
    problems.push(`${missing.join(", ")}: needed for single sign-on, since ${setOidc.join(", ")} is set`);
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(`invalid environment: ${problems.join("; ")}`);

  const baseUrl = (env.BETTER_AUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  return {
    secret: env.BETTER_AUTH_SECRET,
    baseUrl,
    consoleOrigin: new URL(baseUrl).origin,
    oidc:
      env.OIDC_ISSUER_URL && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET
        ? {
            issuerUrl: env.OIDC_ISSUER_URL.replace(/\/+$/, ""),
            clientId: env.OIDC_CLIENT_ID,
            clientSecret: env.OIDC_CLIENT_SECRET,
            displayName: env.OIDC_DISPLAY_NAME,
          }
        : null,
  };
}

let settings: SignInSettings | undefined;

/** The process's sign-in settings, read once like readEnv (the console checks them at boot). */
export function readSignInSettings(): SignInSettings {
  settings ??= signInSettingsOf(readEnv());
  return settings;
}
