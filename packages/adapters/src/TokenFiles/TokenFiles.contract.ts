import { existsSync } from "node:fs"
import { isAbsolute, join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { TokenFiles, WalletId } from "@waiaas/domain"
import { type Context, Effect, Exit, type Layer, Option, Redacted } from "effect"
import { makeTempDir } from "../testing/tempDir.js"

export const walletA = WalletId.make("01977a5e-2c00-7000-8000-0000000000aa")
export const walletB = WalletId.make("01977a5e-2c00-7000-8000-0000000000bb")
export const tokenOne = Redacted.make("wai_sess_aaaa.bbbb.cccc")
export const tokenTwo = Redacted.make("wai_sess_dddd.eeee.ffff")

/** Ids that must never reach a path: traversal, upper case, UUID v4, empty. */
const unsafeIds = [
  "../../etc/passwd",
  "../escaped",
  "01977A5E-2C00-7000-8000-0000000000AA",
  "9b2d4c1e-8f3a-4b6c-9d2e-1f0a3b4c5d6e",
  ""
] as unknown as ReadonlyArray<WalletId>

const readToken = (files: Context.Tag.Service<TokenFiles>, walletId: WalletId) =>
  Effect.map(files.read(walletId), Option.map(Redacted.value))

export const tokenFilesContract = (name: string, makeLayer: (tokenDir: string) => Layer.Layer<TokenFiles, unknown>) =>
  describe(`TokenFiles contract: ${name}`, () => {
    /** Runs `body` against a fresh layer whose token dir is `<fresh temp dir>/mcp-tokens` (not yet created). */
    const run = <A, E>(body: (files: Context.Tag.Service<TokenFiles>, tokenDir: string, root: string) => Effect.Effect<A, E>) =>
      Effect.gen(function*() {
        const root = yield* makeTempDir()
        const tokenDir = join(root, "mcp-tokens")
        return yield* Effect.flatMap(TokenFiles, (files) => body(files, tokenDir, root)).pipe(
          Effect.provide(makeLayer(tokenDir))
        )
      })

    it.scoped("a written token is read back, without the trailing newline", () =>
      run((files) =>
        Effect.gen(function*() {
          yield* files.write(walletA, tokenOne)
          expect(yield* readToken(files, walletA)).toEqual(Option.some(Redacted.value(tokenOne)))
        })
      ))

    it.scoped("a second write replaces the first", () =>
      run((files) =>
        Effect.gen(function*() {
          yield* files.write(walletA, tokenOne)
          yield* files.write(walletA, tokenTwo)
          expect(yield* readToken(files, walletA)).toEqual(Option.some(Redacted.value(tokenTwo)))
        })
      ))

    it.scoped("each wallet has its own file", () =>
      run((files) =>
        Effect.gen(function*() {
          yield* files.write(walletA, tokenOne)
          yield* files.write(walletB, tokenTwo)
          yield* files.remove(walletB)
          expect(yield* readToken(files, walletA)).toEqual(Option.some(Redacted.value(tokenOne)))
          expect(yield* readToken(files, walletB)).toEqual(Option.none())
        })
      ))

    it.scoped("reading a wallet that never had a file gives none", () =>
      run((files) => Effect.map(readToken(files, walletA), (token) => expect(token).toEqual(Option.none()))))

    it.scoped("after remove, read gives none", () =>
      run((files) =>
        Effect.gen(function*() {
          yield* files.write(walletA, tokenOne)
          yield* files.remove(walletA)
          expect(yield* readToken(files, walletA)).toEqual(Option.none())
        })
      ))

    it.scoped("removing a missing file succeeds, twice", () =>
      run((files) =>
        Effect.gen(function*() {
          yield* files.remove(walletA)
          yield* files.remove(walletA)
          expect(yield* readToken(files, walletA)).toEqual(Option.none())
        })
      ))

    it.scoped("list is empty before any write", () =>
      run((files) => Effect.map(files.list, (wallets) => expect(wallets).toEqual([])))
    )

    it.scoped("list names each wallet with a file once, sorted, and forgets removed ones", () =>
      run((files) =>
        Effect.gen(function*() {
          yield* files.write(walletB, tokenOne)
          yield* files.write(walletA, tokenOne)
          yield* files.write(walletA, tokenTwo)
          expect(yield* files.list).toEqual([walletA, walletB])
          yield* files.remove(walletB)
          expect(yield* files.list).toEqual([walletA])
          yield* files.remove(walletA)
          expect(yield* files.list).toEqual([])
        })
      ))

    it.scoped("a refused write adds nothing to list", () =>
      run((files) =>
        Effect.gen(function*() {
          for (const walletId of unsafeIds) yield* Effect.exit(files.write(walletId, tokenOne))
          expect(yield* files.list).toEqual([])
        })
      ))

    it.scoped("pathFor is the absolute <tokenDir>/<walletId>, whether or not the file exists", () =>
      run((files, tokenDir) =>
        Effect.sync(() => {
          expect(files.pathFor(walletA)).toBe(join(tokenDir, walletA))
          expect(isAbsolute(files.pathFor(walletB))).toBe(true)
        })
      ))

    it.scoped("a wallet id that is not a lower-case UUID v7 never becomes a path", () =>
      run((files, _tokenDir, root) =>
        Effect.gen(function*() {
          for (const walletId of unsafeIds) {
            const error = yield* Effect.flip(files.write(walletId, tokenOne))
            expect(error._tag).toBe("TokenFileWriteFailed")
            expect(error.message).not.toContain(Redacted.value(tokenOne))
            expect(() => files.pathFor(walletId)).toThrow(/UUID v7/)
            expect(Exit.isFailure(yield* Effect.exit(files.read(walletId)))).toBe(true)
            expect(Exit.isFailure(yield* Effect.exit(files.remove(walletId)))).toBe(true)
          }
          expect(existsSync(join(root, "escaped"))).toBe(false)
        })
      ))
  })
