import {
  describeSession,
  signInMethods,
  ZSessionOutput,
  ZSignInMethodsOutput,
} from "@/server/services/auth/describe-session";
import { createTRPCRouter, publicProcedure } from "@/server/trpc/procedures";

export const sessionRouter = createTRPCRouter({
  /** Who is signed in, their teams and roles, and the team they act in; a null user when signed out. */
  me: publicProcedure.output(ZSessionOutput).query(({ ctx }) => describeSession(ctx.requestHeaders)),
  /** What the sign-in page offers besides email and password. */
  signInMethods: publicProcedure.output(ZSignInMethodsOutput).query(() => signInMethods()),
});
