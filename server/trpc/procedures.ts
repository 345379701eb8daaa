import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { AppError } from "@/server/domain/app-error";
import { formatInputIssues } from "@/server/domain/zod-message";
import { resolveTeam } from "@/server/services/team/resolve-team";
import type { TRPCContext } from "@/server/trpc/context";
import { trpcErrorOf } from "@/server/trpc/errors";
import { internalTRPCError, isUnexpected } from "@/server/trpc/unexpected-errors";

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error, path, type, ctx }) {
    // Stacks stay in the server log; clients get the message and the code.
    const { stack: _stack, ...data } = shape.data;
    // Backstop for internal errors raised outside a procedure (context, serialization):
    // mapErrors has already replaced the ones raised inside.
    if (isUnexpected(error)) {
      const replaced = internalTRPCError(error.cause ?? error, { path, type, requestId: ctx?.requestId });
      return { ...shape, message: replaced.message, data };
    }
    return { ...shape, data };
  },
});

/**
 * Services throw AppError; this turns it into the matching tRPC code (and HTTP status). Input
 * validation errors become one sentence per field instead of a JSON dump of zod issues. Anything
 * else is unexpected: logged with a reference id, and only the id reaches the caller.
 */
const mapErrors = t.middleware(async ({ ctx, next, path, type }) => {
  const result = await next();
  if (result.ok) return result;
  const { error } = result;
  if (error.cause instanceof AppError) throw trpcErrorOf(error.cause);
  // tRPC reports a failed .input() as BAD_REQUEST; a ZodError thrown by a service while reading
  // stored data arrives as INTERNAL_SERVER_ERROR and is not the caller's fault.
  if (error.code === "BAD_REQUEST" && error.cause instanceof ZodError)
    throw new TRPCError({ code: "BAD_REQUEST", message: formatInputIssues(error.cause), cause: error.cause });
  if (isUnexpected(error))
    throw internalTRPCError(error.cause ?? error, { path, type, requestId: ctx.requestId });
  return result;
});

const withTeam = t.middleware(async ({ ctx, next }) => {
  const team = await resolveTeam(ctx.teamSlug);
  return next({ ctx: { ...ctx, team } });
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);
/** Acts within the caller's team: every query it makes filters by ctx.team.id. */
export const teamProcedure = publicProcedure.use(withTeam);
