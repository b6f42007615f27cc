import { join, resolve } from "node:path"
import { isUuidV7, TokenFiles, TokenFileWriteFailed, type WalletId } from "@waiaas/domain"
import { Effect, Layer, Option, type Redacted, Ref } from "effect"

const notAUuidV7 = "the wallet id is not a lower-case UUID v7"

/** In-memory token files for tests: same paths and the same wallet-id check as the real ones, no disk. */
export const TokenFilesMemory = (tokenDir: string): Layer.Layer<TokenFiles> =>
  Layer.effect(
    TokenFiles,
    Effect.gen(function*() {
      const dir = resolve(tokenDir)
      const files = yield* Ref.make(new Map<WalletId, Redacted.Redacted<string>>())

      const pathFor = (walletId: WalletId): string => {
        if (!isUuidV7(walletId)) throw new Error(`TokenFiles: ${notAUuidV7}`)
        return join(dir, walletId)
      }

      const write = (walletId: WalletId, token: Redacted.Redacted<string>) =>
        isUuidV7(walletId)
          ? Ref.update(files, (map) => new Map(map).set(walletId, token))
          : Effect.fail(new TokenFileWriteFailed({ message: `Refused to write a token file: ${notAUuidV7}` }))

      const read = (walletId: WalletId) =>
        Effect.sync(() => pathFor(walletId)).pipe(
          Effect.zipRight(Ref.get(files)),
          Effect.map((map) => Option.fromNullable(map.get(walletId)))
        )

      const list = Effect.map(Ref.get(files), (map) => [...map.keys()].sort())

      const remove = (walletId: WalletId) =>
        Effect.sync(() => pathFor(walletId)).pipe(
          Effect.zipRight(Ref.update(files, (map) => {
            const next = new Map(map)
            next.delete(walletId)
            return next
          }))
        )

      return TokenFiles.of({ pathFor, write, read, list, remove })
    })
  )

/**
 * Wraps the TokenFiles below it so that, while `failWrites` is true, every write fails as a full disk would
 * (ENOSPC) and leaves the existing file untouched; everything else (read, list, remove) passes through.
 * For reliability tests of the callers.
 */
export const TokenFilesFaulty = (failWrites: Ref.Ref<boolean>): Layer.Layer<TokenFiles, never, TokenFiles> =>
  Layer.effect(
    TokenFiles,
    Effect.map(TokenFiles, (files) =>
      TokenFiles.of({
        ...files,
        write: (walletId, token) =>
          Effect.flatMap(Ref.get(failWrites), (fail) =>
            fail
              ? Effect.fail(new TokenFileWriteFailed({
                message: `Could not write the token file for wallet ${walletId} (ENOSPC)`,
                details: { walletId, code: "ENOSPC" }
              }))
              : files.write(walletId, token))
      }))
  )
