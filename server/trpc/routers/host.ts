import { listHosts } from "@/server/services/host/list-hosts";
import { createTRPCRouter, viewerProcedure } from "@/server/trpc/procedures";

export const hostRouter = createTRPCRouter({
  list: viewerProcedure.query(() => listHosts()),
});
