import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { afterAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import type { AppRouter } from "@/server/trpc/root";
import { startConsoleServer } from "@/test/support/console-server";
import { createCookieJarFetch } from "@/test/support/cookie-jar-fetch";
import { freePort } from "@/test/support/free-port";
import { startOidcProvider } from "@/test/support/oidc-provider";

// The console and an OpenID provider on loopback ports, both known before the environment is
// read: the provider sends users back to the console's public URL.
const consoleUrl = `http://127.0.0.1:${await freePort()}`;
const grace = { sub: "grace-subject", email: "grace@example.com", name: "Grace Hopper" };
const adaAtProvider = { sub: "ada-subject", email: "ada@example.com", name: "Ada at Acme ID" };
const provider = await startOidcProvider({
  redirectUri: `${consoleUrl}/api/auth/callback/oidc`,
  users: [grace, adaAtProvider],
});
process.env.BETTER_AUTH_URL = consoleUrl;
process.env.OIDC_ISSUER_URL = provider.issuer;
process.env.OIDC_CLIENT_ID = provider.clientId;
process.env.OIDC_CLIENT_SECRET = provider.clientSecret;
process.env.OIDC_DISPLAY_NAME = "Acme ID";
const consoleServer = await startConsoleServer({ port: Number(new URL(consoleUrl).port) });
afterAll(async () => {
  await consoleServer.close();
  await provider.close();
});

const ada = { email: "ada@example.com", password: "analytical engine 1843", name: "Ada Lovelace" };
const SESSION_COOKIE = "mlops.session_token";

/** A POST to better-auth as the console's own page makes it; `from` is the client's address. */
function postAuth(path: string, body: unknown, { cookie, from, origin = consoleUrl }: PostOptions = {}) {
  return fetch(`${consoleUrl}/api/auth${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin,
      ...(cookie ? { cookie } : {}),
      ...(from ? { "x-forwarded-for": from } : {}),
    },
    body: JSON.stringify(body),
  });
}
interface PostOptions {
  cookie?: string;
  from?: string;
  origin?: string;
}

/** The `name=value` of the session cookie a response sets. */
function sessionCookieOf(response: Response): string {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  expect(line, "a session cookie").toBeDefined();
  return line!.split(";")[0]!;
}

async function signIn(email: string, password: string, from: string): Promise<string> {
  const response = await postAuth("/sign-in/email", { email, password }, { from });
  expect(response.status).toBe(200);
  return sessionCookieOf(response);
}

/** The console's tRPC API as its pages call it: with the browser's cookie and Origin. */
function trpcAs(
  cookie: string | null,
  origin: string | null = consoleUrl,
  extra: Record<string, string> = {},
) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${consoleUrl}/api/trpc`,
        transformer: superjson,
        headers: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}), ...extra },
      }),
    ],
  });
}

describe("sign-up", () => {
  it("refuses a weak password with the rule it breaks, and makes no user", async () => {
    for (const [password, message, from] of [
      ["too short", "The password must be at least 12 characters long; this one has 9.", "198.51.100.11"],
      [
        "ada-was-here-1843",
        "The password must not contain your email address's name ('ada').",
        "198.51.100.12",
      ],
      ["zzzzzzzzzzzzzzzz", "The password must not be one character repeated.", "198.51.100.13"],
    ]) {
      const response = await postAuth("/sign-up/email", { ...ada, password }, { from });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: "WEAK_PASSWORD", message });
    }
    expect(await getDb().user.count({ where: { email: ada.email } })).toBe(0);
  });

  it("makes the first user the default team's admin, which session.me shows with the session cookie", async () => {
    const response = await postAuth("/sign-up/email", ada, { from: "198.51.100.1" });
    expect(response.status).toBe(200);
    const me = await trpcAs(sessionCookieOf(response)).session.me.query();
    expect(me).toEqual({
      user: { email: ada.email, name: ada.name, actor: expect.stringMatching(/^user:/) },
      memberships: [{ teamSlug: "default", teamName: "Default team", role: "admin" }],
      current: { teamSlug: "default", teamName: "Default team", role: "admin" },
    });
    const bootstrap = await getDb().auditEvent.findFirstOrThrow({ where: { action: "member.bootstrap" } });
    expect(bootstrap).toMatchObject({
      actor: me.user!.actor,
      data: { after: { email: ada.email, role: "admin" } },
    });
  });

  it("makes no admin of the next user while the team has one", async () => {
    const response = await postAuth(
      "/sign-up/email",
      { email: "bob@example.com", password: "difference engine 1822", name: "Bob" },
      { from: "198.51.100.2" },
    );
    expect(response.status).toBe(200);
    const me = await trpcAs(sessionCookieOf(response)).session.me.query();
    expect(me).toMatchObject({ user: { email: "bob@example.com" }, memberships: [], current: null });
  });
});

describe("sign-in with email and password", () => {
  it("signs in, and refuses a wrong password with a sentence", async () => {
    const me = await trpcAs(await signIn(ada.email, ada.password, "198.51.100.3")).session.me.query();
    expect(me.user?.email).toBe(ada.email);
    const wrong = await postAuth(
      "/sign-in/email",
      { ...ada, password: "wrong horse battery" },
      { from: "198.51.100.3" },
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ message: "Invalid email or password" });
  });

  it("answers the 6th attempt from one address within a minute with 429 and a sentence; other addresses go on", async () => {
    const attempt = (from?: string) =>
      postAuth("/sign-in/email", { email: ada.email, password: "a guess at the password" }, { from });
    for (let count = 1; count <= 5; count += 1) expect((await attempt("203.0.113.9")).status).toBe(401);
    const refused = await attempt("203.0.113.9");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/^Too many attempts from this address\. Try again in \d+ seconds\.$/),
    });
    // A client with no proxy in front is counted by its connection's address, not with everybody.
    expect((await attempt()).status).toBe(401);
    const keys = (await getDb().rateLimit.findMany({ select: { key: true } })).map((row) => row.key);
    expect(keys).toEqual(expect.arrayContaining(["203.0.113.9|/sign-in/email", "127.0.0.1|/sign-in/email"]));
  });

  it("ends the session on sign-out", async () => {
    const cookie = await signIn(ada.email, ada.password, "198.51.100.4");
    expect((await trpcAs(cookie).session.me.query()).user).not.toBeNull();
    const sessionsBefore = await getDb().session.count();
    const signOut = await postAuth("/sign-out", {}, { cookie, from: "198.51.100.4" });
    expect(signOut.status).toBe(200);
    expect(await trpcAs(cookie).session.me.query()).toEqual({ user: null, memberships: [], current: null });
    expect(await getDb().session.count()).toBe(sessionsBefore - 1);
  });

  it("shows a null user to a request without a session", async () => {
    expect(await trpcAs(null).session.me.query()).toEqual({ user: null, memberships: [], current: null });
    expect(await trpcAs(`${SESSION_COOKIE}=forged.value`).session.me.query()).toMatchObject({ user: null });
  });
});

describe("cross-site requests", () => {
  it("refuse a change that carries the cookie from another site with 403, and change nothing", async () => {
    const cookie = await signIn(ada.email, ada.password, "198.51.100.5");
    const modelsBefore = await getDb().model.count();
    for (const client of [
      trpcAs(cookie, "https://evil.example"),
      trpcAs(cookie, null, { "sec-fetch-site": "cross-site" }),
    ]) {
      const error = await client.model.create.mutate({ name: "planted" }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TRPCClientError);
      expect(error).toMatchObject({
        message: expect.stringMatching(
          /^this change came from another site.*, and was refused to protect your session/,
        ),
        data: { code: "FORBIDDEN", httpStatus: 403 },
      });
    }
    expect(await getDb().model.count()).toBe(modelsBefore);
    // better-auth refuses its own changes from another site the same way.
    const signOut = await postAuth("/sign-out", {}, { cookie, origin: "https://evil.example" });
    expect(signOut.status).toBe(403);
    expect((await trpcAs(cookie).session.me.query()).user?.email).toBe(ada.email);
  });

  it("let the same change from the console's own page through, and requests without a cookie (CI) alone", async () => {
    const cookie = await signIn(ada.email, ada.password, "198.51.100.6");
    const created = await trpcAs(cookie).model.create.mutate({ name: "same-origin" });
    expect(created.name).toBe("same-origin");
    // A bearer key is sent by code, not by a browser's ambient cookie: the origin does not matter.
    const ci = trpcAs(null, "https://ci.example", { authorization: "Bearer mlk_from_ci" });
    const answer = await ci.model.create.mutate({ name: "from-ci" }).catch((caught: unknown) => caught);
    expect(answer).not.toMatchObject({ data: { httpStatus: 403 } });
  });
});

describe("single sign-on through OpenID Connect", () => {
  /** A browser's whole round trip: console, provider's login form, back to the console's callback. */
  async function signInThroughProvider(sub: string) {
    const browser = createCookieJarFetch();
    const start = await browser.request(`${consoleUrl}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: consoleUrl, "x-forwarded-for": "198.51.100.7" },
      body: JSON.stringify({ provider: "oidc", callbackURL: "/" }),
    });
    expect(start.status).toBe(200);
    const { url } = (await start.json()) as { url: string };
    expect(url.startsWith(`${provider.issuer}/`)).toBe(true);
    const toLogin = await browser.follow(url);
    expect(toLogin.response.status).toBe(200);
    const interaction = new URL(toLogin.visited.at(-1)!);
    expect(interaction.pathname).toMatch(/^\/interaction\//);
    const loggedIn = await browser.follow(interaction.toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: provider.issuer },
      body: new URLSearchParams({ prompt: "login", login: sub, password: "any" }).toString(),
    });
    expect(
      loggedIn.visited.some((visited) => visited.startsWith(`${consoleUrl}/api/auth/callback/oidc?`)),
    ).toBe(true);
    expect(loggedIn.visited.at(-1)).toBe(`${consoleUrl}/`);
    const session = browser.cookiesOf(consoleUrl).get(SESSION_COOKIE);
    expect(session, "the console set a session cookie").toBeDefined();
    return `${SESSION_COOKIE}=${session}`;
  }

  it("offers the provider by its display name on the sign-in page", async () => {
    expect(await trpcAs(null).session.signInMethods.query()).toEqual({ oidcDisplayName: "Acme ID" });
  });

  it("lands a provider's user signed in as a user of their own", async () => {
    const me = await trpcAs(await signInThroughProvider(grace.sub)).session.me.query();
    expect(me).toMatchObject({
      user: { email: grace.email, name: grace.name },
      memberships: [],
      current: null,
    });
    const user = await getDb().user.findUniqueOrThrow({
      where: { email: grace.email },
      include: { accounts: true },
    });
    expect(user.emailVerified).toBe(true);
    expect(user.accounts.map((account) => [account.providerId, account.accountId])).toEqual([
      ["oidc", grace.sub],
    ]);
  });

  it("signs a provider's user with the email of an existing user in as that same user", async () => {
    const byPassword = await trpcAs(await signIn(ada.email, ada.password, "198.51.100.8")).session.me.query();
    const byProvider = await trpcAs(await signInThroughProvider(adaAtProvider.sub)).session.me.query();
    expect(byProvider).toEqual(byPassword);
    const user = await getDb().user.findUniqueOrThrow({
      where: { email: ada.email },
      include: { accounts: true },
    });
    expect(user.accounts.map((account) => account.providerId).sort()).toEqual(["credential", "oidc"]);
    expect(await getDb().user.count({ where: { email: ada.email } })).toBe(1);
  });
});
