import { chmod, chown, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { TokenFiles } from "@waiaas/domain"
import { Effect, Layer, Option, Redacted, Ref } from "effect"
import { makeTempDir, runsAsRoot } from "../testing/tempDir.js"
import { TokenFilesFaulty, TokenFilesMemory } from "./Memory.js"
import { TokenFilesNode } from "./NodeFs.js"
import { tokenFilesContract, tokenOne, tokenTwo, walletA, walletB } from "./TokenFiles.contract.js"

tokenFilesContract("node fs", TokenFilesNode)
tokenFilesContract("memory", TokenFilesMemory)

const modeOf = (path: string) => Effect.promise(() => stat(path)).pipe(Effect.map((s) => s.mode & 0o777))
const listDir = (dir: string) => Effect.promise(() => readdir(dir)).pipe(Effect.map((names) => names.toSorted()))
const readToken = (walletId: typeof walletA) =>
  Effect.flatMap(TokenFiles, (files) => files.read(walletId)).pipe(Effect.map(Option.map(Redacted.value)))

/** A fresh `<temp>/mcp-tokens` path (not created) and its parent. */
const freshTokenDir = Effect.map(makeTempDir(), (root) => ({ root, dir: join(root, "mcp-tokens") }))

const buildFailure = (dir: string) => Effect.flip(Effect.provide(TokenFiles, TokenFilesNode(dir)))

describe("TokenFilesNode", () => {
  it.scoped("the token file is 0600 in a 0700 directory, even under a umask that strips owner bits", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      const previous = process.umask(0o277)
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletA, tokenOne)
        expect(yield* modeOf(dir)).toBe(0o700)
        expect(yield* modeOf(files.pathFor(walletA))).toBe(0o600)
      }).pipe(Effect.provide(TokenFilesNode(dir)), Effect.ensuring(Effect.sync(() => process.umask(previous))))
    }))

  it.scoped("the file holds exactly the token and one newline", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.flatMap(TokenFiles, (files) => files.write(walletA, tokenOne)).pipe(
        Effect.provide(TokenFilesNode(dir))
      )
      expect(yield* Effect.promise(() => readFile(join(dir, walletA), "utf8"))).toBe(`${Redacted.value(tokenOne)}\n`)
    }))

  it.scoped("no temp file remains after writes", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        for (const token of [tokenOne, tokenTwo, tokenOne]) yield* files.write(walletA, token)
        yield* files.write(walletB, tokenTwo)
      }).pipe(Effect.provide(TokenFilesNode(dir)))
      expect(yield* listDir(dir)).toEqual([walletA, walletB].toSorted())
    }))

  it.scoped("stale temp files left by a crash are swept when the layer is built; nothing else is", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.promise(async () => {
        await mkdir(dir, { mode: 0o700 })
        await writeFile(join(dir, `.${walletA}.0123456789abcdef.tmp`), "wai_sess_half")
        await writeFile(join(dir, `.${walletB}.fedcba9876543210.tmp`), "")
        await writeFile(join(dir, walletA), `${Redacted.value(tokenOne)}\n`)
        await writeFile(join(dir, ".notes.tmp"), "not ours")
      })
      expect(yield* readToken(walletA).pipe(Effect.provide(TokenFilesNode(dir)))).toEqual(
        Option.some(Redacted.value(tokenOne))
      )
      expect(yield* listDir(dir)).toEqual([".notes.tmp", walletA].toSorted())
    }))

  it.scoped("list names only regular files called by a wallet id: temp files, junk, directories and links are ignored", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletB, tokenOne)
        yield* Effect.promise(async () => {
          // A temp file written after start-up (a write in flight), and things that are not ours.
          await writeFile(join(dir, `.${walletA}.0123456789abcdef.tmp`), "wai_sess_half")
          await writeFile(join(dir, "README"), "junk")
          await writeFile(join(dir, walletA.toUpperCase()), "wrong case")
          await writeFile(join(dir, "9b2d4c1e-8f3a-4b6c-9d2e-1f0a3b4c5d6e"), "uuid v4")
          await writeFile(join(dir, `${walletA}.bak`), "backup")
          await mkdir(join(dir, "01977a5e-2c00-7000-8000-0000000000cc"))
          await symlink(join(dir, walletB), join(dir, "01977a5e-2c00-7000-8000-0000000000dd"))
        })
        expect(yield* files.list).toEqual([walletB])
        yield* files.write(walletA, tokenTwo)
        expect(yield* files.list).toEqual([walletA, walletB])
      }).pipe(Effect.provide(TokenFilesNode(dir)))
    }))

  it.scoped("list sees files another process wrote or removed, and is empty if the directory vanished", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* Effect.promise(() => writeFile(join(dir, walletA), `${Redacted.value(tokenOne)}\n`, { mode: 0o600 }))
        expect(yield* files.list).toEqual([walletA])
        yield* Effect.promise(() => rm(join(dir, walletA)))
        expect(yield* files.list).toEqual([])
        yield* Effect.promise(() => rm(dir, { recursive: true }))
        expect(yield* files.list).toEqual([])
      }).pipe(Effect.provide(TokenFilesNode(dir)))
    }))

  it.scoped("an existing directory that is group/world readable (not writable) is tightened to 0700", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.promise(async () => {
        await mkdir(dir)
        await chmod(dir, 0o755)
      })
      yield* Effect.provide(TokenFiles, TokenFilesNode(dir))
      expect(yield* modeOf(dir)).toBe(0o700)
    }))

  it.scoped("a group-writable or world-writable directory is refused, with the fix in the message", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.promise(() => mkdir(dir))
      for (const mode of [0o770, 0o702]) {
        yield* Effect.promise(() => chmod(dir, mode))
        const error = yield* buildFailure(dir)
        expect(error._tag).toBe("TokenDirectoryUnsafe")
        expect(error.message).toContain(`chmod 700 ${dir}`)
        expect(yield* modeOf(dir)).toBe(mode)
      }
    }))

  it.scoped("a token directory that is a symbolic link is refused, even to a safe directory", () =>
    Effect.gen(function*() {
      const { root, dir } = yield* freshTokenDir
      const real = join(root, "real")
      yield* Effect.promise(async () => {
        await mkdir(real, { mode: 0o700 })
        await symlink(real, dir)
      })
      const error = yield* buildFailure(dir)
      expect(error._tag).toBe("TokenDirectoryUnsafe")
      expect(error.message).toContain("symbolic link")
    }))

  it.scoped("a token directory path that is a file is refused", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.promise(() => writeFile(dir, "not a directory"))
      expect((yield* buildFailure(dir)).message).toContain("not a directory")
    }))

  it.scoped.skipIf(!runsAsRoot)("a token directory owned by another user is refused (needs root to chown)", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.promise(async () => {
        await mkdir(dir, { mode: 0o700 })
        await chown(dir, 12345, 12345)
      })
      const error = yield* buildFailure(dir)
      expect(error.message).toContain("owned by uid 12345")
    }))

  it.scoped.skipIf(runsAsRoot)("a write refused by permissions (EACCES) keeps the previous file and no temp (non-root only: root ignores mode bits)", () =>
    Effect.gen(function*() {
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletA, tokenOne)
        yield* Effect.promise(() => chmod(dir, 0o500))
        const error = yield* Effect.flip(files.write(walletA, tokenTwo)).pipe(
          Effect.ensuring(Effect.promise(() => chmod(dir, 0o700)))
        )
        expect(error.message).toContain("EACCES")
        expect(yield* readToken(walletA)).toEqual(Option.some(Redacted.value(tokenOne)))
      }).pipe(Effect.provide(TokenFilesNode(dir)))
      expect(yield* listDir(dir)).toEqual([walletA])
    }))

  it.scoped("a write into a vanished token directory fails with its errno and keeps the previous file", () =>
    Effect.gen(function*() {
      // Works as root too: the directory is swapped for a plain file, so even the temp file cannot be created.
      const { root, dir } = yield* freshTokenDir
      const aside = join(root, "aside")
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletA, tokenOne)
        yield* Effect.promise(async () => {
          await rename(dir, aside)
          await writeFile(dir, "")
        })
        const error = yield* Effect.flip(files.write(walletA, tokenTwo))
        expect(error._tag).toBe("TokenFileWriteFailed")
        expect(error.message).toContain("ENOTDIR")
        expect(error.message).not.toContain(Redacted.value(tokenTwo))
        yield* Effect.promise(async () => {
          await rm(dir)
          await rename(aside, dir)
        })
        expect(yield* readToken(walletA)).toEqual(Option.some(Redacted.value(tokenOne)))
      }).pipe(Effect.provide(TokenFilesNode(dir)))
      expect(yield* listDir(dir)).toEqual([walletA])
    }))

  it.scoped("a rename that fails after the temp file was written removes the temp file", () =>
    Effect.gen(function*() {
      // A non-empty directory where the token file should be: the temp is written, then rename fails.
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletA, tokenOne)
        yield* Effect.promise(async () => {
          await mkdir(join(dir, walletB))
          await writeFile(join(dir, walletB, "keep"), "x")
        })
        const error = yield* Effect.flip(files.write(walletB, tokenTwo))
        expect(error.message).toMatch(/\((EISDIR|ENOTEMPTY|EEXIST)\)/)
      }).pipe(Effect.provide(TokenFilesNode(dir)))
      expect(yield* listDir(dir)).toEqual([walletA, walletB].toSorted())
      expect(yield* listDir(join(dir, walletB))).toEqual(["keep"])
    }))
})

describe("TokenFilesFaulty", () => {
  it.scoped("fails writes with ENOSPC while switched on, keeping the previous token, and recovers", () =>
    Effect.gen(function*() {
      const failWrites = yield* Ref.make(false)
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletA, tokenOne)
        yield* Ref.set(failWrites, true)
        const error = yield* Effect.flip(files.write(walletA, tokenTwo))
        expect(error._tag).toBe("TokenFileWriteFailed")
        expect(error.message).toContain("ENOSPC")
        expect(yield* readToken(walletA)).toEqual(Option.some(Redacted.value(tokenOne)))
        yield* Ref.set(failWrites, false)
        yield* files.write(walletA, tokenTwo)
        expect(yield* readToken(walletA)).toEqual(Option.some(Redacted.value(tokenTwo)))
      }).pipe(Effect.provide(TokenFilesFaulty(failWrites).pipe(Layer.provide(TokenFilesMemory(dir)))))
    }))

  it.scoped("passes read, list and remove through while writes fail", () =>
    Effect.gen(function*() {
      const failWrites = yield* Ref.make(false)
      const { dir } = yield* freshTokenDir
      yield* Effect.gen(function*() {
        const files = yield* TokenFiles
        yield* files.write(walletA, tokenOne)
        yield* files.write(walletB, tokenTwo)
        yield* Ref.set(failWrites, true)
        expect(yield* files.list).toEqual([walletA, walletB])
        yield* files.remove(walletB)
        expect(yield* files.list).toEqual([walletA])
        expect(yield* readToken(walletA)).toEqual(Option.some(Redacted.value(tokenOne)))
      }).pipe(Effect.provide(TokenFilesFaulty(failWrites).pipe(Layer.provide(TokenFilesNode(dir)))))
    }))
})
