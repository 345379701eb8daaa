import {
  createWebhook,
  ZCreateWebhookInput,
  ZCreateWebhookOutput,
} from "@/server/services/webhook/create-webhook";
import {
  deleteWebhook,
  ZDeleteWebhookInput,
  ZDeleteWebhookOutput,
} from "@/server/services/webhook/delete-webhook";
import {
  listWebhookDeliveries,
  ZListWebhookDeliveriesInput,
  ZListWebhookDeliveriesOutput,
} from "@/server/services/webhook/list-webhook-deliveries";
import {
  listWebhooks,
  ZListWebhooksInput,
  ZListWebhooksOutput,
} from "@/server/services/webhook/list-webhooks";
import { pingWebhook, ZPingWebhookInput, ZPingWebhookOutput } from "@/server/services/webhook/ping-webhook";
import {
  redeliverWebhookEvent,
  ZRedeliverWebhookEventInput,
  ZRedeliverWebhookEventOutput,
} from "@/server/services/webhook/redeliver-webhook-event";
import {
  updateWebhook,
  ZUpdateWebhookInput,
  ZUpdateWebhookOutput,
} from "@/server/services/webhook/update-webhook";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

// Reads need a viewer of the team, changes an admin.
export const webhookRouter = createTRPCRouter({
  /** Returns the signing secret, this once. */
  create: procedureFor("webhook.manage")
    .input(ZCreateWebhookInput)
    .output(ZCreateWebhookOutput)
    .mutation(({ ctx, input }) => createWebhook({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  list: viewerProcedure
    .input(ZListWebhooksInput)
    .output(ZListWebhooksOutput)
    .query(({ ctx }) => listWebhooks({ teamId: ctx.team.id })),
  /** Enable or disable, change the URL, description or filters. */
  update: procedureFor("webhook.manage")
    .input(ZUpdateWebhookInput)
    .output(ZUpdateWebhookOutput)
    .mutation(({ ctx, input }) => updateWebhook({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  delete: procedureFor("webhook.manage")
    .input(ZDeleteWebhookInput)
    .output(ZDeleteWebhookOutput)
    .mutation(({ ctx, input }) => deleteWebhook({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** One webhook's deliveries, newest first, paged by cursor. */
  deliveries: viewerProcedure
    .input(ZListWebhookDeliveriesInput)
    .output(ZListWebhookDeliveriesOutput)
    .query(({ ctx, input }) => listWebhookDeliveries({ teamId: ctx.team.id, ...input })),
  /** Sends an event the webhook was delivered (or not) again, as a new delivery. */
  redeliver: procedureFor("webhook.manage")
    .input(ZRedeliverWebhookEventInput)
    .output(ZRedeliverWebhookEventOutput)
    .mutation(({ ctx, input }) => redeliverWebhookEvent({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** A webhook.ping event to this webhook only. */
  ping: procedureFor("webhook.manage")
    .input(ZPingWebhookInput)
    .output(ZPingWebhookOutput)
    .mutation(({ ctx, input }) => pingWebhook({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
