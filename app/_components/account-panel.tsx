"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { postAuth, reloadAt } from "@/app/_components/auth-request";
import { SELECT_CLASS } from "@/app/_components/select";
import { Badge, Button } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import { TEAM_COOKIE } from "@/server/domain/access/current-team";

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** The bottom of the side nav: who is signed in, in which team and role, and signing out. */
export function AccountPanel() {
  const trpc = useTRPC();
  const session = useQuery(trpc.session.me.queryOptions());
  const teamSelectId = useId();
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (session.isPending) return <p className="px-2 text-xs text-slate-400">Checking your session…</p>;
  if (session.isError)
    return (
      <p role="alert" className="px-2 text-xs text-red-700">
        Could not read your session: {session.error.message}
      </p>
    );
  const { user, memberships, current } = session.data;
  if (!user)
    return (
      <Link
        href="/sign-in"
        className="block rounded-md px-2 py-1.5 text-sm font-medium text-indigo-700 hover:bg-slate-100"
      >
        Sign in
      </Link>
    );

  const signOut = async () => {
    setSigningOut(true);
    setError(null);
    try {
      await postAuth("/sign-out");
      reloadAt("/sign-in");
    } catch (caught) {
      setError((caught as Error).message);
      setSigningOut(false);
    }
  };
  const chooseTeam = (slug: string) => {
    document.cookie = `${TEAM_COOKIE}=${encodeURIComponent(slug)}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
    reloadAt("/");
  };

  return (
    <div className="space-y-2 px-2 text-sm">
      <p className="truncate font-medium text-slate-900" title={user.email}>
        {user.email}
      </p>
      {current ? (
        <p className="flex items-center gap-1.5 text-slate-600">
          <span className="truncate">{current.teamName}</span>
          <Badge tone={current.role === "admin" ? "indigo" : "slate"}>{current.role}</Badge>
        </p>
      ) : (
        <p className="text-xs text-slate-500">Not in a team yet: ask an admin to add {user.email}.</p>
      )}
      {memberships.length > 1 && current && (
        <div>
          <label htmlFor={teamSelectId} className="block text-xs text-slate-500">
            Team
          </label>
          <select
            id={teamSelectId}
            className={SELECT_CLASS}
            value={current.teamSlug}
            onChange={(event) => chooseTeam(event.target.value)}
          >
            {memberships.map((membership) => (
              <option key={membership.teamSlug} value={membership.teamSlug}>
                {membership.teamName} ({membership.role})
              </option>
            ))}
          </select>
        </div>
      )}
      <Button variant="secondary" className="w-full" disabled={signingOut} onClick={signOut}>
        {signingOut ? "Signing out…" : "Sign out"}
      </Button>
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
