"use client";

import { useParams } from "next/navigation";
import { ErrorState } from "@/app/_components/ui";

/** Params of a `…/[name]/versions/[number]` page; `number` is null when the segment is not one. */
export function useVersionRoute(): { name: string; number: number | null; raw: string } {
  const params = useParams<{ name: string; number: string }>();
  const number = /^[1-9][0-9]*$/.test(params.number) ? Number(params.number) : null;
  return { name: params.name, number, raw: params.number };
}

export function NotAVersion({ raw }: { raw: string }) {
  return <ErrorState title="Version not found" message={`'${raw}' is not a version number`} />;
}
