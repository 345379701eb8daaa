"use client";

import { QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient } from "@trpc/client";
import { useEffect, useState, type ReactNode } from "react";
import type { AppRouter } from "@/server/trpc/root";
import { TRPCProvider } from "@/app/_trpc/client";
import { createLinks } from "@/app/_trpc/links";
import { makeQueryClient } from "@/app/_trpc/query-client";

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: createLinks() }));
  // Pages arrive rendered by the server: until React has hydrated them, a control shows but does
  // nothing. Browser tests wait for this mark before they use one.
  useEffect(() => {
    document.body.dataset.hydrated = "true";
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
