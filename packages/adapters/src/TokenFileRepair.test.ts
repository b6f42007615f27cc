import { describe, expect, it } from "@effect/vitest"
import {
  createSession,
  createWallet,
  provisionMcpToken,
  repairMarkedTokenFiles,
  repairTokenFiles,
  revokeMcpToken,
  rotateSecret,
  SessionRepo,
  sweepExpiredSessions,
  terminateWallet,
  TokenFileRemoveFailed,
  TokenFileRepairs,
  TokenFiles,
  TokenSigner,
  type WalletId
} from "@waiaas/domain"
import { Deferred, Effect, Layer, Option, Redacted, Ref, TestClock } from "effect"
import { TokenFilesFaulty } from "./TokenFiles/Memory.js"
import { stacks } from "./testing/stacks.js"

// The token-file repair in its two forms, on both stacks: the full one (after an unclean stop: one query,
// one listing, compared in memory, then each disagreeing wallet fixed under its lock after re-checking the
// database), and the every-minute one, which looks only at the wallets whose file change did not succeed.

const NOW_MS = 1_800_000_000_000
const NOW = NOW_MS / 1000

interface Faults {
  readonly failWrites: Ref.Ref<boolean>
  readonly failRemoves: Ref.Ref<boolean>
  /** While set, the repair's snapshot of the active MCP sessions waits for it, once taken (`snapshotTaken`). */
  readonly holdSnapshot: Ref.Ref<Option.Option<Deferred.Deferred<void>>>
  readonly snapshotTaken: Deferred.Deferred<void>
}

/** The stack with writes and removes that fail on demand (EROFS-like), and a snapshot that can be held. */
const faultyStack = (stack: Layer.Layer<any, any, any>, faults: Faults) => {
  const removes = Layer.effect(
    TokenFiles,
    Effect.map(TokenFiles, (files) =>
      TokenFiles.of({
        ...files,
        remove: (walletId) =>
          Effect.flatMap(Ref.get(faults.failRemoves), (fail) =>
            fail ? Effect.fail(new TokenFileRemoveFailed({ walletId, code: "EROFS" })) : files.remove(walletId))
      }))
  )
  const snapshot = Layer.effect(
    SessionRepo,
    Effect.map(SessionRepo, (sessions) =>
      SessionRepo.of({
        ...sessions,
        listActiveMcp: (now) =>
          Effect.tap(sessions.listActiveMcp(now), () =>
            Effect.flatMap(Ref.get(faults.holdSnapshot), (hold) =>
              Option.match(hold, {
                onNone: () => Effect.void,
                onSome: (proceed) => Effect.zipRight(Deferred.succeed(faults.snapshotTaken, undefined), Deferred.await(proceed))
              })))
      }))
  )
  return Layer.provideMerge(
    Layer.mergeAll(removes.pipe(Layer.provide(TokenFilesFaulty(faults.failWrites))), snapshot),
    stack
  )
}

describe.each(stacks)("token-file repair on the %s stack", (_, makeStack) => {
  const run = <A, E>(effect: (faults: Faults) => Effect.Effect<A, E, any>) =>
    Effect.gen(function*() {
      const faults: Faults = {
        failWrites: yield* Ref.make(false),
        failRemoves: yield* Ref.make(false),
        holdSnapshot: yield* Ref.make(Option.none<Deferred.Deferred<void>>()),
        snapshotTaken: yield* Deferred.make<void>()
      }
      yield* TestClock.setTime(NOW_MS)
      return yield* effect(faults).pipe(Effect.provide(faultyStack(makeStack(), faults)))
    }).pipe(Effect.scoped) as Effect.Effect<A, E>

  const fileOf = (walletId: WalletId) => Effect.flatMap(TokenFiles, (files) => files.read(walletId))
  const pending = Effect.flatMap(TokenFileRepairs, (repairs) => repairs.pending)

  /** A file exactly when the wallet has an active MCP session, holding its current token, signed with the current secret. */
  const problemsOf = (walletId: WalletId) =>
    Effect.gen(function*() {
      const active = yield* (yield* SessionRepo).findActiveMcp(walletId, Math.floor((yield* TestClock.currentTimeMillis) / 1000))
      const file = yield* fileOf(walletId)
      const signer = yield* TokenSigner
      if (Option.isNone(active)) return Option.isNone(file) ? [] : ["a file without an active MCP session"]
      if (Option.isNone(file)) return ["an active MCP session without its file"]
      if (signer.fingerprint(file.value) !== active.value.tokenHash) return ["a file that holds another token"]
      return (yield* signer.signedWithCurrentSecret(file.value)) ? [] : ["a token signed with the previous secret"]
    })

  it.effect("the full repair fixes every kind of disagreement in one pass, leaves a sound file as it is, then finds nothing", () =>
    run(() =>
      Effect.gen(function*() {
        const files = yield* TokenFiles
        const sessions = yield* SessionRepo
        const wallets = yield* Effect.forEach(["intact", "missing", "stale", "orphan", "revoked", "unwritten"], (name) =>
          createWallet({ name }))
        const [intact, missing, stale, orphan, revoked, unwritten] = wallets.map((w) => w.id) as [
          WalletId,
          WalletId,
          WalletId,
          WalletId,
          WalletId,
          WalletId
        ]
        for (const walletId of [intact, missing, stale, revoked]) yield* provisionMcpToken(walletId)
        const intactToken = Option.getOrThrow(yield* fileOf(intact))
        yield* files.remove(missing) // as if a crash came between commit and write
        yield* files.write(stale, Redacted.make("wai_sess_stale.stale.stale"))
        yield* files.write(orphan, Redacted.make("wai_sess_orphan.orphan.orphan")) // no session at all
        yield* sessions.revoke(Option.getOrThrow(yield* sessions.findActiveMcp(revoked, NOW)).id, NOW) // file left
        yield* createSession({ walletId: unwritten, source: "mcp" }) // committed, never written

        expect(yield* repairTokenFiles()).toEqual({ reissued: 3, removed: 2 })
        for (const walletId of wallets.map((w) => w.id)) expect(yield* problemsOf(walletId)).toEqual([])
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(intact)))).toBe(Redacted.value(intactToken))
        expect(yield* pending).toEqual([])
        expect(yield* repairTokenFiles()).toEqual({ reissued: 0, removed: 0 })
      })))

  it.effect("after a rotation killed before it re-signed the files, the full repair re-signs every one", () =>
    run(({ failWrites }) =>
      Effect.gen(function*() {
        const wallets = yield* Effect.forEach([1, 2, 3], (n) => createWallet({ name: `rotated ${n}` }))
        for (const wallet of wallets) yield* provisionMcpToken(wallet.id)
        // Writes that fail put every hash back: the state a kill right after the new secret was stored
        // leaves. A kill also forgets the marks.
        yield* Ref.set(failWrites, true)
        expect((yield* rotateSecret()).resignedMcpTokens).toBe(0)
        yield* Ref.set(failWrites, false)
        const repairs = yield* TokenFileRepairs
        for (const walletId of yield* pending) yield* repairs.clear(walletId)

        expect(yield* repairTokenFiles()).toEqual({ reissued: 3, removed: 0 })
        for (const wallet of wallets) expect(yield* problemsOf(wallet.id)).toEqual([])
        expect(yield* repairTokenFiles()).toEqual({ reissued: 0, removed: 0 })
      })))

  it.effect("a rotation's file that could not be written is marked; the marked repair re-signs it once the disk works, and looks at nothing else", () =>
    run(({ failWrites }) =>
      Effect.gen(function*() {
        const files = yield* TokenFiles
        const a = yield* createWallet({ name: "a" })
        const b = yield* createWallet({ name: "b" })
        const bystander = yield* createWallet({ name: "bystander" })
        yield* provisionMcpToken(a.id)
        yield* provisionMcpToken(b.id)
        // Not marked: nothing the daemon did left it, so the marked repair has no reason to look at it.
        yield* files.write(bystander.id, Redacted.make("wai_sess_planted.planted.planted"))

        yield* Ref.set(failWrites, true)
        expect((yield* rotateSecret()).resignedMcpTokens).toBe(0)
        expect([...(yield* pending)].sort()).toEqual([a.id, b.id].sort())
        expect(yield* repairMarkedTokenFiles()).toEqual({ reissued: 0, removed: 0 }) // the disk still fails
        expect((yield* pending).length).toBe(2)

        yield* Ref.set(failWrites, false)
        expect(yield* repairMarkedTokenFiles()).toEqual({ reissued: 2, removed: 0 })
        expect(yield* pending).toEqual([])
        for (const walletId of [a.id, b.id]) expect(yield* problemsOf(walletId)).toEqual([])
        // Still there: only the full repair (after an unclean stop) looks at every file.
        expect(Option.isSome(yield* fileOf(bystander.id))).toBe(true)
        expect(yield* repairTokenFiles()).toEqual({ reissued: 0, removed: 1 })
      })))

  it.effect("a file that could not be removed (revocation, termination) is marked, and removed once the disk lets us", () =>
    run(({ failRemoves }) =>
      Effect.gen(function*() {
        const revoked = yield* createWallet({ name: "revoked" })
        const terminated = yield* createWallet({ name: "terminated" })
        yield* provisionMcpToken(revoked.id)
        yield* provisionMcpToken(terminated.id)
        yield* Ref.set(failRemoves, true)
        expect((yield* revokeMcpToken(revoked.id)).revoked).toBe(true)
        yield* terminateWallet(terminated.id)
        expect(Option.isSome(yield* fileOf(revoked.id))).toBe(true)
        expect(Option.isSome(yield* fileOf(terminated.id))).toBe(true)
        expect([...(yield* pending)].sort()).toEqual([revoked.id, terminated.id].sort())
        expect(yield* repairMarkedTokenFiles()).toEqual({ reissued: 0, removed: 0 })

        yield* Ref.set(failRemoves, false)
        expect(yield* repairMarkedTokenFiles()).toEqual({ reissued: 0, removed: 2 })
        expect(yield* pending).toEqual([])
        for (const walletId of [revoked.id, terminated.id]) expect(Option.isNone(yield* fileOf(walletId))).toBe(true)
      })))

  it.effect("an expired session's file that could not be removed by the sweep is removed by a later marked repair", () =>
    run(({ failRemoves }) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "expiring" })
        yield* provisionMcpToken(wallet.id, 300)
        yield* TestClock.adjust("301 seconds")
        yield* Ref.set(failRemoves, true)
        expect(yield* sweepExpiredSessions()).toBe(1)
        expect(Option.isSome(yield* fileOf(wallet.id))).toBe(true)
        yield* Ref.set(failRemoves, false)
        expect(yield* sweepExpiredSessions()).toBe(0) // handled already: the sweep will not come back to it
        expect(yield* repairMarkedTokenFiles()).toEqual({ reissued: 0, removed: 1 })
        expect(Option.isNone(yield* fileOf(wallet.id))).toBe(true)
      })))

  it.effect("a provisioning whose write failed (and was undone) is re-checked once, found consistent, and forgotten", () =>
    run(({ failWrites }) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "undone" })
        yield* provisionMcpToken(wallet.id)
        const before = Option.getOrThrow(yield* fileOf(wallet.id))
        yield* Ref.set(failWrites, true)
        yield* Effect.flip(provisionMcpToken(wallet.id))
        yield* Ref.set(failWrites, false)
        expect(yield* pending).toEqual([wallet.id])
        expect(yield* repairMarkedTokenFiles()).toEqual({ reissued: 0, removed: 0 })
        expect(yield* pending).toEqual([])
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(wallet.id)))).toBe(Redacted.value(before))
      })))

  it.effect("the full repair re-checks under the lock: a session revoked after its snapshot gets no file", () =>
    run(({ holdSnapshot, snapshotTaken }) =>
      Effect.gen(function*() {
        const files = yield* TokenFiles
        const sessions = yield* SessionRepo
        const wallet = yield* createWallet({ name: "revoked meanwhile" })
        yield* provisionMcpToken(wallet.id)
        yield* files.remove(wallet.id) // the snapshot will say: an active session without its file
        const proceed = yield* Deferred.make<void>()
        yield* Ref.set(holdSnapshot, Option.some(proceed))
        const repair = yield* Effect.fork(repairTokenFiles())
        yield* Deferred.await(snapshotTaken)
        yield* sessions.revoke(Option.getOrThrow(yield* sessions.findActiveMcp(wallet.id, NOW)).id, NOW)
        yield* Deferred.succeed(proceed, undefined)
        expect(yield* repair).toEqual({ reissued: 0, removed: 0 })
        expect(Option.isNone(yield* fileOf(wallet.id))).toBe(true)
      })))

  it.effect("the full repair re-checks under the lock: a file provisioned after its snapshot is kept", () =>
    run(({ holdSnapshot, snapshotTaken }) =>
      Effect.gen(function*() {
        const wallet = yield* createWallet({ name: "provisioned meanwhile" })
        const proceed = yield* Deferred.make<void>()
        yield* Ref.set(holdSnapshot, Option.some(proceed))
        const repair = yield* Effect.fork(repairTokenFiles())
        yield* Deferred.await(snapshotTaken) // no active MCP session for the wallet in it
        yield* provisionMcpToken(wallet.id)
        const provisioned = Option.getOrThrow(yield* fileOf(wallet.id))
        yield* Deferred.succeed(proceed, undefined)
        expect(yield* repair).toEqual({ reissued: 0, removed: 0 })
        expect(Redacted.value(Option.getOrThrow(yield* fileOf(wallet.id)))).toBe(Redacted.value(provisioned))
        expect(yield* problemsOf(wallet.id)).toEqual([])
      })))
})
