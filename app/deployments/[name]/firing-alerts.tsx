"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/app/_trpc/client";

/** "2 alerts firing", linking to the alerts page; nothing while none fires or it is loading. */
export function FiringAlerts({ deploymentName }: { deploymentName: string }) {
  const trpc = useTRPC();
  const rules = useQuery({
    ...trpc.alert.rules.queryOptions({ deploymentName }),
    refetchInterval: 10_000,
  });
  const firing = (rules.data ?? []).filter((rule) => rule.state === "firing").length;
  if (firing === 0) return null;
  return (
    <Link
      href="/alerts"
      className="inline-flex items-center rounded bg-red-50 px-2 py-1 text-sm font-medium text-red-700 hover:underline"
    >
      {firing === 1 ? "1 alert firing" : `${firing} alerts firing`}
    </Link>
  );
}
