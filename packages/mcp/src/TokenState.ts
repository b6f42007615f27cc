import type { TokenClaims } from "@waiaas/domain"
import { Data, type Redacted } from "effect"

/** Where the server stands with its session token. */
export type TokenState = Data.TaggedEnum<{
  /** A token that decodes, is for this wallet and has not expired by our clock. */
  Active: {
    readonly token: Redacted.Redacted<string>
    readonly claims: TokenClaims
    /** Epoch second of the next renewal attempt. */
    readonly renewAt: number
    /** False once the daemon refused renewal for good (limit, absolute lifetime): used until it expires. */
    readonly renewable: boolean
    /** Consecutive renewal attempts that failed for a transient reason. */
    readonly failures: number
  }
  /** Nothing usable: tools explain `reason` and how to provision; the file is re-read every few seconds. */
  NoToken: { readonly reason: string }
}>
export const TokenState = Data.taggedEnum<TokenState>()

export type ActiveToken = Data.TaggedEnum.Value<TokenState, "Active">

/** There is no token to call the daemon with; `reason` says why, for the tool's answer. */
export class NoValidToken extends Data.TaggedError("NoValidToken")<{ readonly reason: string }> {}
