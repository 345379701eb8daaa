"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ErrorState, LoadingState } from "@/app/_components/ui";

/** Loading and error states every page shows the same way; renders children only with data. */
export function QueryState<T>({
  query,
  children,
  notFoundTitle,
}: {
  query: UseQueryResult<T, { message: string; data?: { code?: string } | null }>;
  children: (data: T) => ReactNode;
  notFoundTitle?: string;
}) {
  if (query.isPending) return <LoadingState />;
  if (query.isError) {
    const notFound = query.error.data?.code === "NOT_FOUND";
    return (
      <ErrorState
        title={notFound ? (notFoundTitle ?? "Not found") : "Could not load this page"}
        message={query.error.message}
        onRetry={notFound ? undefined : () => void query.refetch()}
      />
    );
  }
  return <>{children(query.data)}</>;
}
