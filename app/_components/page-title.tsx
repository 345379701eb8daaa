import type { Metadata } from "next";
import type { ReactNode } from "react";

const TITLE_TEMPLATE = "%s · MLOps console";

/**
 * Route segments name their pages through a layout's metadata: pages are client components,
 * which cannot export metadata themselves.
 */
export default function TitledSegment({ children }: { children: ReactNode }) {
  return children;
}

/**
 * A segment's title, with the template passed on: Next applies a template only to the segments
 * below the layout that sets it, and a plain title in between would drop it.
 */
export function segmentTitle(title: string): Metadata {
  return { title: { default: title, template: TITLE_TEMPLATE } };
}

/** A title for a page in the root segment itself, which the root layout's template does not reach. */
export function rootPageTitle(title: string): Metadata {
  return { title: { absolute: TITLE_TEMPLATE.replace("%s", title) } };
}

/** The title of a page about one named object: the name in its URL. */
export async function titleFromName({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}
