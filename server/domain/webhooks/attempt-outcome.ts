/** How one POST to a receiver ended, as the delivery worker saw it. */
export type AttemptOutcome =
  | { kind: "answered"; status: number; location: string | null }
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "network"; code: string | null; detail: string }
  /** Not sent at all: the worker could not sign it (its WEBHOOK_SECRET_KEY cannot read the secret). */
  | { kind: "unsigned"; reason: string };

/** Only a 2xx answer delivers: a redirect is not followed, so it is a failure like any other. */
export function isDelivered(outcome: AttemptOutcome): boolean {
  return outcome.kind === "answered" && outcome.status >= 200 && outcome.status < 300;
}

const NETWORK_SENTENCES: Record<string, string> = {
  ECONNREFUSED: "the connection was refused (nothing listens at that address and port)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved (DNS did not answer)",
  ECONNRESET: "the receiver closed the connection before answering",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  UND_ERR_SOCKET: "the receiver closed the connection before answering",
  CERT_HAS_EXPIRED: "the receiver's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the receiver's TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the receiver's TLS certificate chain is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the receiver's TLS certificate could not be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "the receiver's TLS certificate is for another host name",
};

/** What the deliveries table shows for an attempt that did not deliver. */
export function attemptFailureSentence(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case "answered": {
      const redirect =
        outcome.status >= 300 && outcome.status < 400
          ? ` (a redirect${outcome.location ? ` to ${outcome.location}` : ""}; redirects are not followed)`
          : "";
      return `the receiver answered ${outcome.status}${redirect}; only a 2xx status delivers`;
    }
    case "timeout":
      return `the receiver did not answer within ${formatSeconds(outcome.timeoutMs)} (timed out)`;
    case "network": {
      const known = outcome.code === null ? undefined : NETWORK_SENTENCES[outcome.code];
      return known ?? `the request failed: ${outcome.detail}`;
    }
    case "unsigned":
      return `not sent: ${outcome.reason}`;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
