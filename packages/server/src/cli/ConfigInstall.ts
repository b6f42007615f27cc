import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Data, Effect, Either, Option } from "effect"
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import { allUnchanged, type ConfigRefused, type EditedConfig } from "./ConfigEdit.js"
import type { EntryOutcome } from "./ConfigMerge.js"

// Writing a client's config file safely: the old file is copied to a timestamped backup first, the new
// text is written to a temp file in the same directory (O_EXCL, fsync), renamed over the old one, and the
// directory fsynced. The file keeps its mode (a new one is 0600); a symlinked file is written at its target.

export class ConfigInstallFailed extends Data.TaggedError("ConfigInstallFailed")<{ readonly message: string }> {}

export interface InstallOutcome {
  /** The file written (a symlink's target); the path asked for if it did not exist. */
  readonly file: string
  readonly entries: ReadonlyArray<EntryOutcome>
  readonly kept: ReadonlyArray<string>
  /** The file did not exist before. */
  readonly created: boolean
  /** False when every entry was already exactly as it would be: nothing is written then, no backup made. */
  readonly written: boolean
  readonly backup: Option.Option<string>
  readonly commentsDropped: boolean
}

const isWindows = process.platform === "win32"

const describe = (error: PlatformError): string =>
  error._tag === "SystemError" ? error.description?.split(",")[0] ?? error.reason : error.message

const failedTo = (what: string) => (error: PlatformError) =>
  new ConfigInstallFailed({ message: `Cannot ${what}: ${describe(error)}` })

/** `20250102T030405Z`: sortable, and free of characters any filesystem refuses. */
export const backupStamp = (millis: number): string => new Date(millis).toISOString().replace(/[-:]|\.\d{3}/g, "")

/** Writes `bytes` to a new file, never over an existing one (O_EXCL), mode `mode`, fsynced. */
const writeNewFile = (fs: FileSystem.FileSystem, file: string, bytes: Uint8Array, mode: number) =>
  Effect.scoped(Effect.gen(function*() {
    const handle = yield* fs.open(file, { flag: "wx", mode })
    yield* handle.writeAll(bytes)
    yield* handle.sync
  })).pipe(
    // The open mode is filtered by the umask.
    Effect.zipLeft(isWindows ? Effect.void : fs.chmod(file, mode))
  )

/**
 * A copy of the old file, 0600, at `<file>.bak-<UTC stamp>` (`-2`, `-3`… if that name is taken, e.g. by an
 * install in the same second). It can hold secrets of other servers, hence 0600 whatever the original's mode.
 */
export const backupFile = (file: string, bytes: Uint8Array) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const base = `${file}.bak-${backupStamp(yield* Clock.currentTimeMillis)}`
    for (let n = 1;; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`
      const written = yield* writeNewFile(fs, candidate, bytes, 0o600).pipe(
        Effect.as(true),
        Effect.catchIf(
          (error) => error._tag === "SystemError" && error.reason === "AlreadyExists",
          () => Effect.succeed(false)
        ),
        Effect.mapError(failedTo(`back up ${file} to ${candidate}`))
      )
      if (written) return candidate
    }
  })

/** fsync of the directory makes the rename durable; not possible on Windows, and never worth failing for. */
const syncDirectory = (fs: FileSystem.FileSystem, dir: string) =>
  Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (handle) => handle.sync)).pipe(Effect.ignore)

/** Replaces `file` with `text` atomically: readers see the old or the new file, never a partial one. */
export const writeFileAtomically = (file: string, text: string, mode: number) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = path.dirname(file)
    const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString("hex")}.tmp`)
    yield* writeNewFile(fs, temp, new TextEncoder().encode(text), mode).pipe(
      Effect.zipRight(fs.rename(temp, file)),
      Effect.mapError(failedTo(`write ${file}`)),
      Effect.onError(() => fs.remove(temp, { force: true }).pipe(Effect.ignore))
    )
    yield* syncDirectory(fs, dir)
  })

interface ExistingFile {
  readonly file: string
  readonly bytes: Uint8Array
  readonly text: string
  readonly mode: number
  readonly signature: string
}

/** mtime and size: enough to notice that the client rewrote its file while we were working. */
const signatureOf = (info: FileSystem.File.Info) =>
  `${Option.match(info.mtime, { onNone: () => "", onSome: (d) => String(d.getTime()) })}:${info.size}`

const readExisting = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(file).pipe(Effect.mapError(failedTo(`inspect ${file}`))))) return Option.none<ExistingFile>()
    const real = yield* fs.realPath(file).pipe(Effect.mapError(failedTo(`resolve ${file}`)))
    const info = yield* fs.stat(real).pipe(Effect.mapError(failedTo(`inspect ${real}`)))
    if (info.type !== "File") {
      return yield* new ConfigInstallFailed({ message: `${real} is not a regular file; nothing was changed.` })
    }
    const bytes = yield* fs.readFile(real).pipe(Effect.mapError(failedTo(`read ${real}`)))
    const text = yield* Effect.try({
      try: () => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      catch: () => new ConfigInstallFailed({ message: `${real} is not UTF-8 text; nothing was changed.` })
    })
    return Option.some({ file: real, bytes, text, mode: info.mode & 0o777, signature: signatureOf(info) })
  })

const refusal = (file: string, problem: ConfigRefused) =>
  new ConfigInstallFailed({
    message: `${file} ${problem.reason}; nothing was changed. Fix the file (or move it aside) and run this again.`
  })

/** Fails as `installIntoFile` would if `edit` refuses the file's current text; reads only. */
export const checkFileMergeable = (
  file: string,
  edit: (previous: Option.Option<string>) => Either.Either<EditedConfig, ConfigRefused>
) =>
  Effect.gen(function*() {
    const existing = yield* readExisting(file)
    const edited = edit(Option.map(existing, (e) => e.text))
    if (Either.isLeft(edited)) return yield* refusal(Option.match(existing, { onNone: () => file, onSome: (e) => e.file }), edited.left)
  })

/**
 * Merges into `file` whatever `edit` makes of its current text (none if it does not exist). A refused edit
 * (the file does not parse, …) leaves the file untouched. Creates missing parent directories (0700).
 */
export const installIntoFile = (
  file: string,
  edit: (previous: Option.Option<string>) => Either.Either<EditedConfig, ConfigRefused>
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const existing = yield* readExisting(file)
    const edited = edit(Option.map(existing, (e) => e.text))
    if (Either.isLeft(edited)) {
      return yield* refusal(Option.match(existing, { onNone: () => file, onSome: (e) => e.file }), edited.left)
    }
    const outcome = { entries: edited.right.entries, kept: edited.right.kept, commentsDropped: edited.right.commentsDropped }

    if (Option.isNone(existing)) {
      yield* fs.makeDirectory(path.dirname(file), { recursive: true, mode: 0o700 }).pipe(
        Effect.mapError(failedTo(`create the directory ${path.dirname(file)}`))
      )
      yield* writeFileAtomically(file, edited.right.text, 0o600)
      return { ...outcome, file, created: true, written: true, backup: Option.none() } satisfies InstallOutcome
    }

    const old = existing.value
    if (allUnchanged(edited.right)) {
      return { ...outcome, file: old.file, created: false, written: false, backup: Option.none() } satisfies InstallOutcome
    }
    const backup = yield* backupFile(old.file, old.bytes)
    const now = yield* fs.stat(old.file).pipe(Effect.mapError(failedTo(`inspect ${old.file}`)))
    if (signatureOf(now) !== old.signature) {
      return yield* new ConfigInstallFailed({
        message: `${old.file} changed while waiaas was updating it; nothing was written. Run this again.`
      })
    }
    yield* writeFileAtomically(old.file, edited.right.text, old.mode)
    return { ...outcome, file: old.file, created: false, written: true, backup: Option.some(backup) } satisfies InstallOutcome
  })
