"use client";

import { useParams } from "next/navigation";
import { ErrorState } from "@/app/_components/ui";
import { parseVersionNumber } from "@/app/_components/version-number";

/** Params of a `…/[name]/versions/[number]` page; `number` is null when the segment is not one. */
export function useVersionRoute(): { name: string; number: number | null; raw: string } {
  const params = useParams<{ name: string; number: string }>();
  return { name: params.name, number: parseVersionNumber(params.number), raw: params.number };
}

export function NotAVersion({ raw }: { raw: string }) {
  return <ErrorState title="Version not found" message={`'${raw}' is not a version number`} />;
}
