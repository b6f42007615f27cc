import { describe, expect, it } from "@effect/vitest"
import {
  createWallet,
  provisionMcpToken,
  reissueTokenFile,
  SessionRepo,
  TokenFiles,
  TokenSigner,
  WalletLocks
} from "@waiaas/domain"
import { Deferred, Effect, Fiber, Option, Redacted, TestClock } from "effect"
import { stacks } from "./testing/stacks.js"

// Interleavings the reliability suite met over HTTP, pinned down one by one on both stacks.

const NOW_MS = 1_800_000_000_000

describe.each(stacks)("token-file races on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: Effect.Effect<A, E, any>) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW_MS)
      return yield* effect
    }).pipe(Effect.provide(makeStack()), Effect.scoped) as Effect.Effect<A, E>

  const activeMcp = (walletId: Parameters<typeof provisionMcpToken>[0]) =>
    Effect.flatMap(SessionRepo, (sessions) => sessions.findActiveMcp(walletId, NOW_MS / 1000))

  it.effect("a re-signing for a session that was replaced meanwhile writes nothing (rotation, repair)", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "replaced" })
      yield* provisionMcpToken(wallet.id)
      const listed = Option.getOrThrow(yield* activeMcp(wallet.id)) // as rotation or repair listed it...
      yield* provisionMcpToken(wallet.id) // ...before a provisioning replaced it
      const file = Option.getOrThrow(yield* (yield* TokenFiles).read(wallet.id))
      expect(yield* reissueTokenFile(listed)).toBe(false)
      expect(Redacted.value(Option.getOrThrow(yield* (yield* TokenFiles).read(wallet.id)))).toBe(Redacted.value(file))
      const current = Option.getOrThrow(yield* activeMcp(wallet.id))
      expect(current.tokenHash).toBe((yield* TokenSigner).fingerprint(file))
    })))

  it.effect("a provisioning whose caller is interrupted while it waits for the wallet's lock still completes", () =>
    run(Effect.gen(function*() {
      const wallet = yield* createWallet({ name: "interrupted" })
      const release = yield* Deferred.make<void>()
      const held = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(
        (yield* WalletLocks).withLock(wallet.id)(Effect.zipRight(Deferred.succeed(held, undefined), Deferred.await(release)))
      )
      yield* Deferred.await(held)
      const provisioning = yield* Effect.fork(provisionMcpToken(wallet.id))
      yield* Effect.yieldNow()
      yield* Fiber.interruptFork(provisioning) // the HTTP client hung up
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.await(provisioning)
      const session = Option.getOrThrow(yield* activeMcp(wallet.id))
      const file = Option.getOrThrow(yield* (yield* TokenFiles).read(wallet.id))
      expect((yield* TokenSigner).fingerprint(file)).toBe(session.tokenHash)
    })))
})
