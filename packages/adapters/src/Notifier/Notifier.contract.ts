import { describe, expect, it } from "@effect/vitest"
import { type DomainEvent, Notifier, SessionId, WalletId } from "@waiaas/domain"
import { Effect, Exit, type Layer } from "effect"

export const walletA = WalletId.make("01977a5e-2c00-7000-8000-0000000000aa")
export const sessionA = SessionId.make("01977a5e-2c00-7000-8000-00000000000a")

export const sampleEvents: ReadonlyArray<DomainEvent> = [
  { type: "SESSION_CREATED", walletId: walletA, sessionId: sessionA, at: 1_750_000_000 },
  { type: "SESSION_REVOKED", walletId: walletA, sessionId: sessionA, at: 1_750_000_001 },
  { type: "MCP_TOKEN_PROVISIONED", walletId: walletA, sessionId: sessionA, at: 1_750_000_002 },
  { type: "WALLET_TERMINATED", walletId: walletA, at: 1_750_000_003 }
]

export const notifierContract = (name: string, makeLayer: () => Layer.Layer<Notifier>) =>
  describe(`Notifier contract: ${name}`, () => {
    it.effect("accepts every event type, with and without a session id, and never fails", () =>
      Effect.gen(function*() {
        const notifier = yield* Notifier
        for (const event of sampleEvents) {
          expect(Exit.isSuccess(yield* Effect.exit(notifier.notify(event)))).toBe(true)
        }
      }).pipe(Effect.provide(makeLayer())))
  })
