export interface GatewayLoad {
  /** Requests accepted and not yet answered, this one not included. */
  inFlight: number;
  maxInFlight: number;
  eventLoopDelayMs: number;
  maxEventLoopDelayMs: number;
}

/**
 * Why a gateway refuses a request the moment it arrives, before reading its body (null: it
 * admits it). Both say the gateway itself is full, whichever deployment the request is for.
 */
export function gatewayRefusal(load: GatewayLoad): string | null {
  if (load.inFlight >= load.maxInFlight)
    return `the gateway has ${load.inFlight} requests in flight, its limit; retry later`;
  if (load.eventLoopDelayMs > load.maxEventLoopDelayMs)
    return (
      `the gateway is overloaded (its event loop is ${Math.round(load.eventLoopDelayMs)} ms behind, ` +
      `over its ${load.maxEventLoopDelayMs} ms limit); retry later`
    );
  return null;
}
