import type { z } from "zod";
import { answerAppErrors } from "@/server/answer-app-errors";
import { authorize, type Caller } from "@/server/domain/access/caller";
import { csvField } from "@/server/domain/audit/public-audit-data";
import { formatZodIssues } from "@/server/domain/zod-message";
import {
  listAuditEvents,
  ZAuditFilters,
  type AuditEventOutput,
} from "@/server/services/audit/list-audit-events";
import { resolveCaller } from "@/server/services/auth/resolve-caller";

const EXPORT_PAGE_SIZE = 500;
const CSV_COLUMNS = ["at", "actor", "action", "targetType", "target", "before", "after"] as const;

/**
 * The audit log as a file: `?format=csv` or `jsonl` (default), with audit.list's filters as query
 * parameters (`action`, `targetType`, `actor`, `from`, `to`). Streamed page by page, newest first.
 */
export async function GET(request: Request) {
  const params = new URL(request.url).searchParams;
  const format = params.get("format") ?? "jsonl";
  if (format !== "csv" && format !== "jsonl")
    return Response.json({ error: `format must be csv or jsonl, not '${format}'` }, { status: 400 });
  const filters = ZAuditFilters.safeParse(
    Object.fromEntries([...params].filter(([key]) => key !== "format" && key !== "team")),
  );
  if (!filters.success)
    return Response.json({ error: formatZodIssues(filters.error, "query") }, { status: 400 });
  return answerAppErrors(async () => {
    const caller = await resolveCaller(request.headers);
    authorize(caller, "read");
    return exportAuditEvents(caller, format, filters.data);
  });
}

/** Streams the team's events page by page, as the export file. */
function exportAuditEvents(
  { teamId, teamSlug }: Caller,
  format: "csv" | "jsonl",
  filters: z.output<typeof ZAuditFilters>,
): Response {
  const encoder = new TextEncoder();
  const line = format === "csv" ? csvLine : (event: AuditEventOutput) => `${JSON.stringify(event)}\n`;
  let cursor: string | undefined;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started && format === "csv") controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\n`));
      started = true;
      const page = await listAuditEvents({
        teamId,
        ...filters,
        cursor,
        limit: EXPORT_PAGE_SIZE,
      });
      controller.enqueue(encoder.encode(page.events.map(line).join("")));
      if (page.nextCursor === null) controller.close();
      else cursor = page.nextCursor;
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "-");
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${teamSlug}-${stamp}.${format}"`,
      "cache-control": "no-store",
    },
  });
}

function csvLine(event: AuditEventOutput): string {
  const fields = [
    event.at.toISOString(),
    event.actor,
    event.action,
    event.target.type,
    event.target.name,
    JSON.stringify(event.before),
    JSON.stringify(event.after),
  ];
  return `${fields.map(csvField).join(",")}\n`;
}
