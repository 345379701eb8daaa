import { describe, expect, it } from "vitest";
import { signInSettingsOf } from "@/server/auth/sign-in-settings";
import { InvalidEnvironmentError, readEnv, type Env } from "@/server/env";

const base: Env = {
  ...readEnv(),
  PORT: 3000,
  BETTER_AUTH_SECRET: undefined,
  BETTER_AUTH_URL: undefined,
  OIDC_ISSUER_URL: undefined,
  OIDC_CLIENT_ID: undefined,
  OIDC_CLIENT_SECRET: undefined,
  OIDC_DISPLAY_NAME: "single sign-on",
};

describe("sign-in settings", () => {
  it("default the public URL from PORT, and leave single sign-on off", () => {
    expect(signInSettingsOf({ ...base, PORT: 3203 }, "development")).toEqual({
      secret: undefined,
      baseUrl: "http://localhost:3203",
      consoleOrigin: "http://localhost:3203",
      oidc: null,
    });
  });

  it("take BETTER_AUTH_URL as the public URL, its origin as the console's", () => {
    const settings = signInSettingsOf({ ...base, BETTER_AUTH_URL: "https://ml.example.com/" }, "test");
    expect(settings).toMatchObject({
      baseUrl: "https://ml.example.com",
      consoleOrigin: "https://ml.example.com",
    });
  });

  it("refuse production without a secret, saying how to make one", () => {
    expect(() => signInSettingsOf(base, "production")).toThrow(
      new InvalidEnvironmentError(
        "invalid environment: BETTER_AUTH_SECRET: required in production, to sign session cookies; " +
          "set it to at least 32 random characters (openssl rand -base64 32)",
      ),
    );
    expect(signInSettingsOf({ ...base, BETTER_AUTH_SECRET: "s".repeat(32) }, "production").secret).toBe(
      "s".repeat(32),
    );
  });

  it("turn single sign-on on with all three OIDC variables, and name the missing ones of a half setup", () => {
    const oidc = {
      OIDC_ISSUER_URL: "https://id.example.com/",
      OIDC_CLIENT_ID: "console",
      OIDC_CLIENT_SECRET: "secret",
      OIDC_DISPLAY_NAME: "Acme ID",
    };
    expect(signInSettingsOf({ ...base, ...oidc }, "test").oidc).toEqual({
      issuerUrl: "https://id.example.com",
      clientId: "console",
      clientSecret: "secret",
      displayName: "Acme ID",
    });
    expect(() => signInSettingsOf({ ...base, OIDC_ISSUER_URL: oidc.OIDC_ISSUER_URL }, "test")).toThrow(
      "invalid environment: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: needed for single sign-on, since OIDC_ISSUER_URL is set",
    );
  });
});
