import {
  describeSession,
  signInMethods,
  ZSessionOutput,
  ZSignInMethodsOutput,
} from "@/server/services/auth/describe-session";
import { z } from "zod";
import { ROLES } from "@/server/domain/access/roles";
import { describeActor, ZDescribeActorInput } from "@/server/services/auth/describe-actor";
import { createTRPCRouter, publicProcedure, viewerProcedure } from "@/server/trpc/procedures";

export const sessionRouter = createTRPCRouter({
  /** Who is signed in, their teams and roles, and the team they act in; a null user when signed out. */
  me: publicProcedure.output(ZSessionOutput).query(({ ctx }) => describeSession(ctx.requestHeaders)),
  /**
   * Who the console takes this request's caller for, whatever the credential (session, API key,
   * or the local admin where sign-in is not required): pages show only the actions it may take.
   */
  caller: viewerProcedure
    .output(z.object({ role: z.enum(ROLES), actor: z.string(), teamSlug: z.string() }))
    .query(({ ctx }) => ({ role: ctx.caller.role, actor: ctx.caller.actor, teamSlug: ctx.caller.teamSlug })),
  /** Who an actor recorded on a revision, request or audit event is, by name (pages show this). */
  actorLabel: viewerProcedure
    .input(ZDescribeActorInput)
    .output(z.string())
    .query(({ ctx, input }) => describeActor({ teamId: ctx.team.id, actor: input.actor })),
  /** What the sign-in page offers besides email and password. */
  signInMethods: publicProcedure.output(ZSignInMethodsOutput).query(() => signInMethods()),
});
