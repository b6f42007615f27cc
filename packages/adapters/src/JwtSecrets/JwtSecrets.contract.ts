import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, type Scope } from "effect"
import { JwtSecrets } from "./JwtSecrets.js"

/**
 * What every JwtSecrets must do. `makeStorage` creates empty storage (a database file, a MemoryStore) for
 * the test's scope and returns a layer over it: each build of that layer is one start of the daemon.
 */
export const jwtSecretsContract = (
  name: string,
  makeStorage: Effect.Effect<Layer.Layer<JwtSecrets>, never, Scope.Scope>
) =>
  describe(`JwtSecrets contract: ${name}`, () => {
    /** Starts the daemon once over `storage` and reads both secrets. */
    const start = (storage: Layer.Layer<JwtSecrets>) =>
      Effect.provide(
        Effect.flatMap(JwtSecrets, (s) => Effect.all({ current: s.current, previous: s.previous })),
        storage
      )

    it.scoped("creates a 32-byte current secret on first start, with no previous one", () =>
      Effect.gen(function*() {
        const { current, previous } = yield* start(yield* makeStorage)
        expect(current).toBeInstanceOf(Uint8Array)
        expect(current.length).toBe(32)
        expect(current.some((byte) => byte !== 0)).toBe(true)
        expect(previous).toEqual(Option.none())
      }))

    it.scoped("serves the same secret on every call", () =>
      Effect.gen(function*() {
        const [a, b] = yield* Effect.provide(
          Effect.flatMap(JwtSecrets, (s) => Effect.all([s.current, s.current])),
          yield* makeStorage
        )
        expect(b).toEqual(a)
      }))

    it.scoped("keeps the secret across a restart over the same storage", () =>
      Effect.gen(function*() {
        const storage = yield* makeStorage
        const first = yield* start(storage)
        const second = yield* start(storage)
        expect(Buffer.from(second.current).toString("hex")).toBe(Buffer.from(first.current).toString("hex"))
        expect(second.previous).toEqual(Option.none())
      }))

    it.scoped("gives separate storages separate secrets", () =>
      Effect.gen(function*() {
        const a = yield* start(yield* makeStorage)
        const b = yield* start(yield* makeStorage)
        expect(Buffer.from(a.current).equals(Buffer.from(b.current))).toBe(false)
      }))
  })
