import { describe, expect, it } from "@effect/vitest"
import { MasterPasswordStore } from "@waiaas/domain"
import { Effect, type Layer, Option } from "effect"

/** What every MasterPasswordStore must do; `makeLayer` gives an empty store on every build. */
export const masterPasswordStoreContract = (name: string, makeLayer: () => Layer.Layer<MasterPasswordStore>) =>
  describe(`MasterPasswordStore contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, MasterPasswordStore>) => Effect.provide(effect, makeLayer())

    it.effect("has no hash before the first start sets one", () =>
      run(Effect.gen(function*() {
        expect(yield* (yield* MasterPasswordStore).get).toEqual(Option.none())
      })))

    it.effect("returns the hash that was set, and the latest one after a second set", () =>
      run(Effect.gen(function*() {
        const store = yield* MasterPasswordStore
        yield* store.set("$argon2id$v=19$m=4096,t=2,p=1$first")
        expect(yield* store.get).toEqual(Option.some("$argon2id$v=19$m=4096,t=2,p=1$first"))
        yield* store.set("$argon2id$v=19$m=4096,t=2,p=1$second")
        expect(yield* store.get).toEqual(Option.some("$argon2id$v=19$m=4096,t=2,p=1$second"))
      })))
  })
