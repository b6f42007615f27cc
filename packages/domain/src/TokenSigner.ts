import { Context, type Effect, type Option, type Redacted } from "effect"
import type { InvalidToken, TokenExpired } from "./Errors.js"
import type { TokenClaims } from "./Token.js"

/**
 * Signs and verifies session tokens (`wai_sess_` + JWT) and fingerprints them for storage. After a
 * rotation the previous secret still verifies for a grace window, then never again.
 */
export class TokenSigner extends Context.Tag("waiaas/TokenSigner")<TokenSigner, {
  /** The full token, prefix included, signed with the current secret. */
  readonly sign: (claims: TokenClaims) => Effect.Effect<Redacted.Redacted<string>>
  /** Accepts the current and the previous secret; time comes from `Clock`. */
  readonly verify: (token: Redacted.Redacted<string>) => Effect.Effect<TokenClaims, InvalidToken | TokenExpired>
  /**
   * Whether the current secret signed the token (expired or not). False for one signed before the last
   * rotation: it still verifies during the grace window, but not after.
   */
  readonly signedWithCurrentSecret: (token: Redacted.Redacted<string>) => Effect.Effect<boolean>
  /** sha256 of the full token, hex: the only form in which a token is stored. */
  readonly fingerprint: (token: Redacted.Redacted<string>) => string
  /** Makes a new current secret; the old one becomes the previous (replacing any older one). */
  readonly rotate: (now: number) => Effect.Effect<void>
  /** When `rotate` last ran (epoch seconds), if ever. */
  readonly lastRotatedAt: Effect.Effect<Option.Option<number>>
}>() {}
