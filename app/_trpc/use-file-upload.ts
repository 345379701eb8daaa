"use client";

import { useMutation } from "@tanstack/react-query";
import { createTRPCClient, type TRPCClient } from "@trpc/client";
import { useState, type FormEvent } from "react";
import type { AppRouter } from "@/server/trpc/root";
import { createLinks } from "@/app/_trpc/links";
import { createProgressFetch } from "@/app/_trpc/progress-fetch";

/**
 * A file chosen by drop or picker, sent through a tRPC procedure with byte progress. `send`
 * builds the multipart body and calls the procedure on a client made for this upload.
 */
export function useFileUpload<Result>({
  send,
  onUploaded,
}: {
  send: (client: TRPCClient<AppRouter>, file: File) => Promise<Result>;
  onUploaded: () => Promise<void> | void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState(0);
  const upload = useMutation({
    mutationFn: (chosen: File) =>
      send(createTRPCClient<AppRouter>({ links: createLinks(createProgressFetch(setProgress)) }), chosen),
    onMutate: () => setProgress(0),
    onSuccess: async () => {
      setFile(null);
      await onUploaded();
    },
  });
  return {
    file,
    progress,
    upload,
    choose(chosen: File) {
      upload.reset();
      setFile(chosen);
    },
    submit(event: FormEvent) {
      event.preventDefault();
      if (file) upload.mutate(file);
    },
  };
}
