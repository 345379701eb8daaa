import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { AppError } from "@/server/domain/app-error";
import { formatZodIssues } from "@/server/domain/zod-message";
import { resolveTeam } from "@/server/services/team/resolve-team";
import type { TRPCContext } from "@/server/trpc/context";
import { trpcErrorOf } from "@/server/trpc/errors";

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape }) {
    // Stacks stay in the server log; clients get the message and the code.
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data };
  },
});

/**
 * Services throw AppError; this turns it into the matching tRPC code (and HTTP status). Input
 * validation errors become one sentence per field instead of a JSON dump of zod issues.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof AppError) throw trpcErrorOf(cause);
  if (cause instanceof ZodError)
    throw new TRPCError({ code: "BAD_REQUEST", message: formatZodIssues(cause), cause });
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
