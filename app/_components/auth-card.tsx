import type { ReactNode } from "react";
import { Card, PageHeader } from "@/app/_components/ui";

/** The frame of the sign-in and sign-up pages: a title and one narrow card. */
export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle: string;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto mt-10 max-w-md">
      <PageHeader title={title} subtitle={subtitle} />
      <Card>{children}</Card>
    </div>
  );
}

/** A refusal under a form, read out by screen readers as it appears. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
    </p>
  );
}
