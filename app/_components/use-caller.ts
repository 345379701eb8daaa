"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { leastRoleFor, roleAtLeast, type Action } from "@/server/domain/access/roles";

/**
 * The caller's role and actor, and `may(action)` by the same table the server checks: pages hide
 * what the server would refuse. Until the answer arrives nothing is allowed, so a viewer never
 * sees a control flash and vanish.
 */
export function useCaller() {
  const trpc = useTRPC();
  const caller = useQuery({ ...trpc.session.caller.queryOptions(), staleTime: 60_000 });
  const role = caller.data?.role;
  return {
    role,
    actor: caller.data?.actor,
    may: (action: Action) => role !== undefined && roleAtLeast(role, leastRoleFor(action)),
  };
}
