"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { AuthCard, FormError } from "@/app/_components/auth-card";
import { postAuth, reloadAt } from "@/app/_components/auth-request";
import { Button, TextField } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";

export function SignInPage({ singleSignOnFailed }: { singleSignOnFailed: boolean }) {
  const trpc = useTRPC();
  const methods = useQuery(trpc.session.signInMethods.queryOptions());
  const oidcDisplayName = methods.data?.oidcDisplayName ?? null;
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState<"password" | "oidc" | null>(null);
  const [error, setError] = useState<string | null>(
    singleSignOnFailed
      ? "Single sign-on did not complete. Try again, or sign in with your email and password."
      : null,
  );

  async function attempt(kind: "password" | "oidc", run: () => Promise<void>) {
    setPending(kind);
    setError(null);
    try {
      await run();
    } catch (caught) {
      setError((caught as Error).message);
      setPending(null);
    }
  }

  const signInWithPassword = (event: FormEvent) => {
    event.preventDefault();
    void attempt("password", async () => {
      await postAuth("/sign-in/email", { email, password });
      reloadAt("/");
    });
  };
  const signInWithProvider = () =>
    attempt("oidc", async () => {
      const { url } = await postAuth<{ url: string }>("/sign-in/social", {
        provider: "oidc",
        callbackURL: "/",
        errorCallbackURL: "/sign-in?error=sso",
      });
      window.location.assign(url);
    });

  return (
    <AuthCard title="Sign in" subtitle="Sign in to act in your team's registry and deployments.">
      <form className="space-y-4" onSubmit={signInWithPassword}>
        <TextField
          id="sign-in-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          autoFocus
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <TextField
          id="sign-in-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <FormError message={error} />
        <Button type="submit" className="w-full" disabled={pending !== null}>
          {pending === "password" ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {oidcDisplayName && (
        <div className="mt-4 border-t border-slate-100 pt-4">
          <Button
            variant="secondary"
            className="w-full"
            disabled={pending !== null}
            onClick={signInWithProvider}
          >
            {pending === "oidc" ? `Going to ${oidcDisplayName}…` : `Sign in with ${oidcDisplayName}`}
          </Button>
        </div>
      )}
      <p className="mt-4 text-sm text-slate-600">
        No account yet?{" "}
        <Link href="/sign-up" className="font-medium text-indigo-700 hover:underline">
          Create one
        </Link>
      </p>
    </AuthCard>
  );
}
