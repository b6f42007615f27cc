import type { TokenClaims } from "@waiaas/domain"

// The daemon renews a token once half its TTL has passed; we ask at 60%, which leaves 40% of the TTL for
// retries when the daemon is briefly down.

/** Share of a token's TTL (exp − iat) after which we renew it. */
export const RENEWAL_RATIO = 0.6

/** While there is no valid token, the token file is re-read this often (a stat and a tiny read). */
export const NO_TOKEN_POLL_SECONDS = 5

/** Longest wait between two renewal attempts that failed for a transient reason. */
export const MAX_RETRY_SECONDS = 60

/** How long to wait when the daemon says "too early" without a usable details.retryAfter. */
export const DEFAULT_TOO_EARLY_SECONDS = 30

/** Epoch second at which to renew a token: 60% into its lifetime. */
export const renewalDueAt = (claims: Pick<TokenClaims, "iat" | "exp">): number =>
  claims.iat + Math.ceil(Math.max(0, claims.exp - claims.iat) * RENEWAL_RATIO)

/** Wait after the n-th consecutive transient failure (1, 2, 4, … seconds, at most a minute). */
export const retryDelaySeconds = (failures: number): number => Math.min(2 ** Math.max(0, failures - 1), MAX_RETRY_SECONDS)

/** The daemon's `details.retryAfter` (seconds) on RENEWAL_TOO_EARLY, when it is a usable number. */
export const tooEarlyDelaySeconds = (details: Readonly<Record<string, unknown>> | undefined): number => {
  const retryAfter = details?.retryAfter
  return typeof retryAfter === "number" && Number.isFinite(retryAfter) && retryAfter > 0
    ? Math.ceil(retryAfter)
    : DEFAULT_TOO_EARLY_SECONDS
}
