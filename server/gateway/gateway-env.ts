import { z } from "zod";
import { parseEnvironment, readEnv, type Env } from "@/server/env";

const ZGatewayEnv = z.object({
  GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  /** Larger bodies get 413 before they are parsed. */
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** A request not answered within this gets 504; a client may ask for less with `x-timeout-ms`. */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Requests of one deployment waiting or in flight in this gateway; above it, 429. */
  GATEWAY_MAX_PENDING_PER_DEPLOYMENT: z.coerce.number().int().positive().default(4096),
});

export type GatewayEnv = Env & z.infer<typeof ZGatewayEnv>;
let gatewayEnv: GatewayEnv | undefined;

/** server/env.ts plus the gateway's own variables, parsed once per process like readEnv. */
export function readGatewayEnv(): GatewayEnv {
  gatewayEnv ??= { ...readEnv(), ...parseEnvironment(ZGatewayEnv) };
  return gatewayEnv;
}
