import { listHosts } from "@/server/services/host/list-hosts";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

export const hostRouter = createTRPCRouter({
  list: teamProcedure.query(() => listHosts()),
});
