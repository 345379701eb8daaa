import { createApiKey, ZCreateApiKeyInput, ZCreateApiKeyOutput } from "@/server/services/auth/create-api-key";
import { listApiKeys, ZListApiKeysOutput } from "@/server/services/auth/list-api-keys";
import { revokeApiKey, ZRevokeApiKeyInput, ZRevokeApiKeyOutput } from "@/server/services/auth/revoke-api-key";
import { createTRPCRouter, procedureFor } from "@/server/trpc/procedures";

const manageKeys = procedureFor("apiKey.manage");

export const apiKeyRouter = createTRPCRouter({
  /** The answer holds the key itself, the only time it is ever shown. */
  create: manageKeys
    .input(ZCreateApiKeyInput)
    .output(ZCreateApiKeyOutput)
    .mutation(({ ctx, input }) =>
      createApiKey({
        teamId: ctx.team.id,
        actor: ctx.actor,
        creatorRole: ctx.caller.role,
        creatorDeploymentNames: ctx.caller.deploymentNames,
        ...input,
      }),
    ),
  list: manageKeys.output(ZListApiKeysOutput).query(({ ctx }) => listApiKeys({ teamId: ctx.team.id })),
  /** Takes effect at once, in the console and in every gateway. */
  revoke: manageKeys
    .input(ZRevokeApiKeyInput)
    .output(ZRevokeApiKeyOutput)
    .mutation(({ ctx, input }) => revokeApiKey({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
