import { Schema } from "effect"

/** Lower-case UUID v7: time-ordered, and safe to use as a file name without escaping. */
const uuidV7Pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export const UuidV7 = Schema.String.pipe(
  Schema.pattern(uuidV7Pattern, { message: () => "must be a lower-case UUID v7" })
)

export const WalletId = UuidV7.pipe(Schema.brand("WalletId")).annotations({ identifier: "WalletId" })
export type WalletId = typeof WalletId.Type

export const SessionId = UuidV7.pipe(Schema.brand("SessionId")).annotations({ identifier: "SessionId" })
export type SessionId = typeof SessionId.Type

export const isUuidV7 = Schema.is(UuidV7)
