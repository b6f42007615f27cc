import { describe, expect, it } from "@effect/vitest"
import { type Context, Effect, type Layer, Option, type Scope } from "effect"
import { JwtSecrets, type JwtSecretState } from "./JwtSecrets.js"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** A state with hex strings instead of bytes, for readable comparisons. */
export const inHex = (state: JwtSecretState) => ({
  current: hex(state.current),
  previous: Option.map(state.previous, (p) => ({ secret: hex(p.secret), rotatedAt: p.rotatedAt }))
})

/**
 * What every JwtSecrets must do. `makeStorage` creates empty storage (a database file, a MemoryStore) for
 * the test's scope and returns a layer over it: each build of that layer is one start of the daemon.
 */
export const jwtSecretsContract = (
  name: string,
  makeStorage: Effect.Effect<Layer.Layer<JwtSecrets>, never, Scope.Scope>
) =>
  describe(`JwtSecrets contract: ${name}`, () => {
    /** Starts the daemon once over `storage`, runs `body` (rotations, say), then reads the state. */
    const start = <E>(storage: Layer.Layer<JwtSecrets>, body: (s: Context.Tag.Service<JwtSecrets>) => Effect.Effect<void, E> = () => Effect.void) =>
      Effect.provide(Effect.flatMap(JwtSecrets, (s) => Effect.zipRight(body(s), s.state)), storage)

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
          Effect.flatMap(JwtSecrets, (s) => Effect.all([s.state, s.state])),
          yield* makeStorage
        )
        expect(inHex(b)).toEqual(inHex(a))
      }))

    it.scoped("keeps the secret across a restart over the same storage", () =>
      Effect.gen(function*() {
        const storage = yield* makeStorage
        const first = yield* start(storage)
        const second = yield* start(storage)
        expect(hex(second.current)).toBe(hex(first.current))
        expect(second.previous).toEqual(Option.none())
      }))

    it.scoped("gives separate storages separate secrets", () =>
      Effect.gen(function*() {
        const a = yield* start(yield* makeStorage)
        const b = yield* start(yield* makeStorage)
        expect(hex(a.current)).not.toBe(hex(b.current))
      }))

    it.scoped("rotate makes a new 32-byte current; the old current becomes the previous, retired at `now`", () =>
      Effect.gen(function*() {
        const storage = yield* makeStorage
        const before = yield* start(storage)
        const after = yield* start(storage, (s) => s.rotate(1_750_000_123))
        expect(after.current.length).toBe(32)
        expect(hex(after.current)).not.toBe(hex(before.current))
        expect(inHex(after).previous).toEqual(Option.some({ secret: hex(before.current), rotatedAt: 1_750_000_123 }))
      }))

    it.scoped("the rotated state is served at once, by the instance that rotated", () =>
      Effect.gen(function*() {
        const [before, after] = yield* Effect.provide(
          Effect.flatMap(JwtSecrets, (s) => Effect.all([s.state, Effect.zipRight(s.rotate(10), s.state)])),
          yield* makeStorage
        )
        expect(inHex(after).previous).toEqual(Option.some({ secret: hex(before.current), rotatedAt: 10 }))
      }))

    it.scoped("a rotation survives a restart: the same current and previous are loaded again", () =>
      Effect.gen(function*() {
        const storage = yield* makeStorage
        const rotated = yield* start(storage, (s) => s.rotate(1_750_000_000))
        const reopened = yield* start(storage)
        expect(inHex(reopened)).toEqual(inHex(rotated))
        expect(Option.isSome(reopened.previous)).toBe(true)
      }))

    it.scoped("two rotations drop the oldest secret: only the last two generations remain", () =>
      Effect.gen(function*() {
        const storage = yield* makeStorage
        const first = yield* start(storage)
        const second = yield* start(storage, (s) => s.rotate(100))
        const third = yield* start(storage, (s) => s.rotate(200))
        expect(inHex(third).previous).toEqual(Option.some({ secret: hex(second.current), rotatedAt: 200 }))
        const all = [third.current, ...Option.toArray(third.previous).map((p) => p.secret)].map(hex)
        expect(all).not.toContain(hex(first.current))
        expect(new Set([first, second, third].map((s) => hex(s.current))).size).toBe(3)
        expect(inHex(yield* start(storage))).toEqual(inHex(third))
      }))

    it.scoped("concurrent rotations run one after the other: each retires the secret the other made", () =>
      Effect.gen(function*() {
        const storage = yield* makeStorage
        const initial = yield* start(storage)
        const final = yield* start(storage, (s) => Effect.all([s.rotate(300), s.rotate(300)], { concurrency: 2 }))
        const reopened = yield* start(storage)
        expect(inHex(reopened)).toEqual(inHex(final))
        // The previous is the first rotation's current, never the initial secret (that would mean a lost update).
        const previous = Option.getOrThrow(final.previous)
        expect(hex(previous.secret)).not.toBe(hex(initial.current))
        expect(hex(previous.secret)).not.toBe(hex(final.current))
      }))
  })
