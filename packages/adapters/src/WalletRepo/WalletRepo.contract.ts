import { describe, expect, it } from "@effect/vitest"
import { Wallet, WalletRepo } from "@waiaas/domain"
import { Cause, Effect, Exit, type Layer, Option } from "effect"
import { makeWallet, walletId } from "../testing/fixtures.js"

/** What every WalletRepo must do; `makeLayer` gives an empty repository on every build. */
export const walletRepoContract = (name: string, makeLayer: () => Layer.Layer<WalletRepo>) =>
  describe(`WalletRepo contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, WalletRepo>) => Effect.provide(effect, makeLayer())

    it.effect("finds an inserted wallet by id, field for field", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        const wallet = makeWallet(1, {
          chain: "ethereum",
          network: "sepolia",
          serverName: "waiaas-one",
          updatedAt: 1_500
        })
        yield* repo.insert(wallet)
        expect(yield* repo.findById(wallet.id)).toEqual(Option.some(wallet))
        expect(yield* repo.findById(walletId(2))).toEqual(Option.none())
      })))

    it.effect("lists nothing when empty", () =>
      run(Effect.gen(function*() {
        expect(yield* (yield* WalletRepo).list).toEqual([])
      })))

    it.effect("lists newest first: by createdAt, then by id, both descending", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        const oldest = makeWallet(9, { createdAt: 100 })
        const tiedLow = makeWallet(2, { createdAt: 200 })
        const tiedHigh = makeWallet(3, { createdAt: 200 })
        const newest = makeWallet(1, { createdAt: 300 })
        for (const wallet of [tiedLow, oldest, newest, tiedHigh]) yield* repo.insert(wallet)
        expect((yield* repo.list).map((w) => w.id)).toEqual([newest.id, tiedHigh.id, tiedLow.id, oldest.id])
      })))

    it.effect("update replaces every field but the id", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        const wallet = makeWallet(1)
        yield* repo.insert(wallet)
        yield* repo.insert(makeWallet(2))
        const changed = new Wallet({
          ...wallet,
          name: "Renamed",
          status: "TERMINATED",
          serverName: "waiaas-renamed",
          updatedAt: 1_234
        })
        yield* repo.update(changed)
        expect(yield* repo.findById(wallet.id)).toEqual(Option.some(changed))
        expect(yield* repo.findById(walletId(2))).toEqual(Option.some(makeWallet(2)))
      })))

    it.effect("update of an unknown wallet creates nothing", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        yield* repo.update(makeWallet(1))
        expect(yield* repo.findById(walletId(1))).toEqual(Option.none())
        expect(yield* repo.list).toEqual([])
      })))

    it.effect("isServerNameTaken sees names set on insert and on update, and nothing else", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        expect(yield* repo.isServerNameTaken("waiaas-a")).toBe(false)
        yield* repo.insert(makeWallet(1, { serverName: "waiaas-a" }))
        yield* repo.insert(makeWallet(2))
        expect(yield* repo.isServerNameTaken("waiaas-a")).toBe(true)
        expect(yield* repo.isServerNameTaken("waiaas-b")).toBe(false)
        expect(yield* repo.isServerNameTaken("waiaas-A")).toBe(false)
        yield* repo.update(makeWallet(2, { serverName: "waiaas-b" }))
        expect(yield* repo.isServerNameTaken("waiaas-b")).toBe(true)
      })))

    it.effect("many wallets may have no server name yet", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        yield* repo.insert(makeWallet(1))
        yield* repo.insert(makeWallet(2))
        expect((yield* repo.list).length).toBe(2)
      })))

    it.effect("a duplicate id or server name is a defect and changes nothing", () =>
      run(Effect.gen(function*() {
        const repo = yield* WalletRepo
        yield* repo.insert(makeWallet(1, { serverName: "waiaas-a" }))
        const duplicateId = yield* Effect.exit(repo.insert(makeWallet(1, { name: "Other" })))
        const duplicateName = yield* Effect.exit(repo.insert(makeWallet(2, { serverName: "waiaas-a" })))
        yield* repo.insert(makeWallet(3))
        const nameTakenByUpdate = yield* Effect.exit(repo.update(makeWallet(3, { serverName: "waiaas-a" })))
        for (const exit of [duplicateId, duplicateName, nameTakenByUpdate]) {
          expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        }
        expect(yield* repo.findById(walletId(1))).toEqual(Option.some(makeWallet(1, { serverName: "waiaas-a" })))
        expect(yield* repo.findById(walletId(2))).toEqual(Option.none())
        expect(yield* repo.findById(walletId(3))).toEqual(Option.some(makeWallet(3)))
      })))
  })
