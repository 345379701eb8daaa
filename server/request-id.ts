import { randomUUID } from "node:crypto";

/** Clients and load balancers may send it; the console and the gateway echo it and log under it. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * The caller's request id when it is a plain token (it goes into log lines and back out in a
 * header, so nothing else is taken), else a fresh one.
 */
export function requestIdFrom(given: string | string[] | null | undefined): string {
  return typeof given === "string" && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}
