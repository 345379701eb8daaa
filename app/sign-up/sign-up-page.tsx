"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { AuthCard, FormError } from "@/app/_components/auth-card";
import { postAuth, reloadAt } from "@/app/_components/auth-request";
import { Button, TextField } from "@/app/_components/ui";
import { MIN_PASSWORD_LENGTH } from "@/server/domain/access/password-rules";

export function SignUpPage() {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const signUp = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await postAuth("/sign-up/email", { name, email, password });
      reloadAt("/");
    } catch (caught) {
      setError((caught as Error).message);
      setPending(false);
    }
  };

  return (
    <AuthCard
      title="Create an account"
      subtitle="The first account becomes the admin of the default team; an admin adds everyone after."
    >
      <form className="space-y-4" onSubmit={signUp}>
        <TextField
          id="sign-up-name"
          label="Name"
          autoComplete="name"
          required
          autoFocus
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <TextField
          id="sign-up-email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <TextField
          id="sign-up-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters, not containing the name of your email address`}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <FormError message={error} />
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? "Creating your account…" : "Create account"}
        </Button>
      </form>
      <p className="mt-4 text-sm text-slate-600">
        Already have an account?{" "}
        <Link href="/sign-in" className="font-medium text-indigo-700 hover:underline">
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
