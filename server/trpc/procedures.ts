import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { authorize, authorizeDeployment } from "@/server/domain/access/caller";
import type { Action } from "@/server/domain/access/roles";
import { AppError } from "@/server/domain/app-error";
import { formatInputIssues } from "@/server/domain/zod-message";
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

/** Resolves who calls (401 when they may not call at all) and acts in their team. */
const withCaller = t.middleware(async ({ ctx, next }) => {
  const caller = await ctx.resolveCaller();
  return next({
    ctx: { ...ctx, caller, team: { id: caller.teamId, slug: caller.teamSlug }, actor: caller.actor },
  });
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

/**
 * Acts within the caller's team (every query filters by ctx.team.id) and only when the caller's
 * role may take `action` (server/domain/access/roles.ts): otherwise FORBIDDEN, naming the role
 * needed.
 */
export function procedureFor(action: Action) {
  return publicProcedure.use(withCaller).use(({ ctx, next }) => {
    authorize(ctx.caller, action);
    return next();
  });
}

/** Reads the team's registry: any member, any key. */
export const viewerProcedure = procedureFor("read");

/**
 * A procedure on the deployment its input names (`name`): a key limited to other deployments is
 * refused with FORBIDDEN. The procedure's own .input() merges with this one. The role is the
 * handler's to check, with authorize(), when it depends on the input (a traffic change's kind).
 */
export const deploymentProcedure = publicProcedure
  .use(withCaller)
  .input(z.object({ name: z.string().min(1) }))
  .use(({ ctx, input, next }) => {
    authorizeDeployment(ctx.caller, input.name);
    return next();
  });

/** deploymentProcedure for one action, checked before the handler runs. */
export function deploymentProcedureFor(action: Action) {
  return deploymentProcedure.use(({ ctx, next }) => {
    authorize(ctx.caller, action);
    return next();
  });
}
