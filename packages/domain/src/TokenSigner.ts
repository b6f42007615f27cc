import { Context, type Effect, type Redacted } from "effect"
import type { InvalidToken, TokenExpired } from "./Errors.js"
import type { TokenClaims } from "./Token.js"

/** Signs and verifies session tokens (`wai_sess_` + JWT) and fingerprints them for storage. */
export class TokenSigner extends Context.Tag("waiaas/TokenSigner")<TokenSigner, {
  /** The full token, prefix included, signed with the current secret. */
  readonly sign: (claims: TokenClaims) => Effect.Effect<Redacted.Redacted<string>>
  /** Accepts the current and the previous secret; time comes from `Clock`. */
  readonly verify: (token: Redacted.Redacted<string>) => Effect.Effect<TokenClaims, InvalidToken | TokenExpired>
  /** sha256 of the full token, hex: the only form in which a token is stored. */
  readonly fingerprint: (token: Redacted.Redacted<string>) => string
}>() {}
