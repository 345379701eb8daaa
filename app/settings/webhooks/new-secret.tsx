"use client";

import { useState } from "react";
import { Button } from "@/app/_components/ui";

/** The signing secret of the webhook just made: shown this once, with a copy button. */
export function NewSecret({
  number,
  secret,
  onDismiss,
}: {
  number: number;
  secret: string;
  onDismiss: () => void;
}) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied("yes"),
      () => setCopied("failed"),
    );
  return (
    <section
      role="status"
      aria-label="New webhook secret"
      className="mb-6 rounded-lg border border-amber-300 bg-amber-50 px-5 py-4 text-sm"
    >
      <p className="font-medium text-amber-900">
        Webhook #{number} created. Copy its signing secret now: it is not shown again.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code className="break-all rounded border border-amber-200 bg-white px-2 py-1 font-mono text-xs text-slate-900">
          {secret}
        </code>
        <Button onClick={copy}>{copied === "yes" ? "Copied" : "Copy"}</Button>
        <Button variant="secondary" onClick={onDismiss}>
          Done
        </Button>
      </div>
      {copied === "failed" && (
        <p className="mt-2 text-amber-900">
          The browser did not allow copying; select the secret and copy it.
        </p>
      )}
      <p className="mt-2 text-amber-900">
        Receivers verify each request&apos;s <code>webhook-signature</code> header with it (any Standard
        Webhooks library does).
      </p>
    </section>
  );
}
