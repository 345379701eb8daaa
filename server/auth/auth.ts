import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { genericOAuth } from "better-auth/plugins/generic-oauth";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import { isConsoleOrigin } from "@/server/domain/access/cross-site-request";
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
} from "@/server/domain/access/password-rules";
import { readSignInSettings, type SignInSettings } from "@/server/auth/sign-in-settings";
import { makeFirstAdmin } from "@/server/services/team/make-first-admin";

/** better-auth's id for the OpenID provider: its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";
export const AUTH_BASE_PATH = "/api/auth";
/** Password guesses one address may make a minute, right or wrong; the next gets 429. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 5;

/**
 * Sign-in for the console (better-auth): email and password, and OpenID Connect when configured,
 * with users, sessions and rate limits in Postgres through the project's Prisma client. Only the
 * console's route handlers and services use it; the gateway and workers never sign anyone in.
 */
function createAuth(settings: SignInSettings) {
  return betterAuth({
    appName: "MLOps console",
    baseURL: settings.baseUrl,
    basePath: AUTH_BASE_PATH,
    secret: settings.secret,
    database: prismaAdapter(getDb(), { provider: "postgresql", transaction: true }),
    // Nothing leaves the machine: no usage reports.
    telemetry: { enabled: false },
    // Its lines join the console's structured log; of extra arguments only an error is kept.
    logger: {
      log: (level, message, ...details) =>
        getLogger()[level](
          { component: "auth", err: details.find((detail) => detail instanceof Error) },
          message,
        ),
    },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      autoSignIn: true,
    },
    account: {
      // The OpenID provider is the organisation's own, chosen by whoever runs the console: the
      // address it asserts is the user's, so signing in through it with the email of an existing
      // user is that user. (No email is sent here, so no local address is ever verified.)
      accountLinking: {
        enabled: true,
        trustedProviders: [OIDC_PROVIDER_ID],
        requireLocalEmailVerified: false,
      },
    },
    rateLimit: {
      // better-auth turns it on only in production by default: tests must see the same limits.
      enabled: true,
      storage: "database",
      window: 60,
      max: 100,
      customRules: { "/sign-in/email": { window: 60, max: SIGN_IN_ATTEMPTS_PER_MINUTE } },
    },
    // Pages served under another name than BETTER_AUTH_URL (127.0.0.1 for localhost) are the
    // console's own too: a cross-site page cannot choose the Host its request is sent to.
    trustedOrigins: (request) => {
      const origin = request?.headers.get("origin");
      return origin && isConsoleOrigin(origin, settings.consoleOrigin, request?.headers.get("host") ?? null)
        ? [origin]
        : [];
    },
    advanced: {
      cookiePrefix: "mlops",
      // better-auth skips its origin check under NODE_ENV=test; tests must see what production does.
      disableOriginCheck: false,
      // Next.js sets x-forwarded-for to the connection's address when no proxy did, so each client
      // has its own count; a header with several addresses (a proxy chain) shares one.
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-up/email") return;
        const body = (ctx.body ?? {}) as { email?: unknown; password?: unknown };
        const problem = passwordProblem(String(body.password ?? ""), String(body.email ?? ""));
        if (problem) throw new APIError("BAD_REQUEST", { code: "WEAK_PASSWORD", message: problem });
      }),
    },
    databaseHooks: {
      // Runs once the user is committed, whichever way they signed up (password or OIDC).
      user: { create: { after: async (user) => void (await makeFirstAdmin({ user })) } },
    },
    plugins: settings.oidc
      ? [
          genericOAuth({
            config: [
              {
                providerId: OIDC_PROVIDER_ID,
                name: settings.oidc.displayName,
                discoveryUrl: `${settings.oidc.issuerUrl}/.well-known/openid-configuration`,
                clientId: settings.oidc.clientId,
                clientSecret: settings.oidc.clientSecret,
                scopes: ["openid", "email", "profile"],
                requireIdTokenVerification: true,
              },
            ],
          }),
        ]
      : [],
  });
}

export type Auth = ReturnType<typeof createAuth>;

let auth: Auth | undefined;

/** The console's one better-auth instance, made on first use, once the environment is read. */
export function getAuth(): Auth {
  auth ??= createAuth(readSignInSettings());
  return auth;
}
