"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";

/** An actor as recorded ("user:<id>", "apikey:<id>", "demo") shown by name; the raw one as a tooltip. */
export function ActorName({ actor }: { actor: string }) {
  const trpc = useTRPC();
  // The same actors recur on a page: one answer each, kept for the page's life (batched requests).
  const label = useQuery({ ...trpc.session.actorLabel.queryOptions({ actor }), staleTime: Infinity });
  return <span title={actor}>{label.data ?? (actor.includes(":") ? "…" : actor)}</span>;
}
