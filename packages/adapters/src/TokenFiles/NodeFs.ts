import { randomUUID } from "node:crypto"
import { closeSync, constants, fchmodSync, fsync, open, openSync, readFileSync, rename, unlinkSync, writeFileSync } from "node:fs"
import { chmod, lstat, mkdir, readdir, unlink } from "node:fs/promises"
import { join, resolve } from "node:path"
import { isUuidV7, TokenFileRemoveFailed, TokenFiles, TokenFileWriteFailed, WalletId } from "@waiaas/domain"
import { Data, Effect, Layer, Option, Redacted } from "effect"

/** The token directory cannot be trusted with tokens; the message says what is wrong and how to fix it. */
export class TokenDirectoryUnsafe extends Data.TaggedError("TokenDirectoryUnsafe")<{
  readonly dir: string
  readonly message: string
}> {}

/** `.<walletId>.<16 hex>.tmp`: the temp files `write` creates, and the only files the start-up sweep removes. */
const TEMP_FILE = /^\.[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.[0-9a-f]{16}\.tmp$/

const isWindows = process.platform === "win32"

const errnoCode = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "UNKNOWN"

const isMissing = (error: unknown) => errnoCode(error) === "ENOENT"

/** A wallet id ends up in a path: anything but a lower-case UUID v7 could escape the directory. */
const checkWalletId = (walletId: string): Option.Option<string> =>
  isUuidV7(walletId) ? Option.none() : Option.some("the wallet id is not a lower-case UUID v7")

// A write is nine system calls. Those that can wait on the disk or the file system's journal — creating
// the temp file, the two fsyncs, the rename (each 0.1-1 ms here, more on a busy disk) — run on the thread
// pool, so the event loop never waits for them; the others (write, fchmod, close, opening the directory:
// a few µs) are made synchronously. Each thread-pool call costs a round trip and ~30 µs of bookkeeping on
// the event loop: four instead of nine through the FileHandle promises.

/** A synchronous file-system call, made when the effect runs; its errno error as a failure. */
const attempt = <A>(call: () => A): Effect.Effect<A, NodeJS.ErrnoException> =>
  Effect.try({ try: call, catch: (error) => error as NodeJS.ErrnoException })

/** A call of fs's callback API (it runs on the thread pool): its result, or its errno error as a failure. */
const onPool = <A = void>(call: (done: (error: NodeJS.ErrnoException | null, result?: A) => void) => void) =>
  Effect.async<A, NodeJS.ErrnoException>((resume) => {
    call((error, result) => resume(error === null ? Effect.succeed(result as A) : Effect.fail(error)))
  })

const fsyncOnPool = (fd: number) => onPool((done) => fsync(fd, done))

/** A new temp file: O_EXCL, O_NOFOLLOW, 0600. */
const createOnPool = (path: string) =>
  onPool<number>((done) =>
    open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600, done))

const renameOnPool = (from: string, to: string) => onPool((done) => rename(from, to, done))

/** Closes a descriptor whose outcome no longer matters (its data is fsynced, or the write failed anyway). */
const closeQuietly = (fd: number) =>
  Effect.sync(() => {
    try {
      closeSync(fd)
    } catch {
      // nothing left to lose
    }
  })

/** fsync of the directory makes a rename or unlink durable (fsync of the file alone does not). */
const syncDirectory = (dir: string) =>
  Effect.flatMap(attempt(() => openSync(dir, constants.O_RDONLY)), (fd) => Effect.ensuring(fsyncOnPool(fd), closeQuietly(fd)))

const logDirectorySyncFailure = (dir: string) => (error: NodeJS.ErrnoException) =>
  Effect.logWarning("Could not fsync the token directory").pipe(Effect.annotateLogs({ dir, code: errnoCode(error) }))

/**
 * Makes the directory exist with mode 0700, then refuses it unless it is a real directory (not a symlink),
 * ours, and writable by nobody else. Merely group/world-readable is tightened to 0700.
 */
const secureDirectory = (dir: string) =>
  Effect.gen(function*() {
    const unsafe = (message: string) => new TokenDirectoryUnsafe({ dir, message })
    const created = yield* Effect.tryPromise({
      // EEXIST: something that is not a directory is in the way; lstat below says what it is.
      try: () => mkdir(dir, { recursive: true, mode: 0o700 }).catch((error) =>
        errnoCode(error) === "EEXIST" ? undefined : Promise.reject(error)
      ),
      catch: (error) =>
        unsafe(`Cannot create the token directory ${dir} (${errnoCode(error)}). Check that its parent exists, ` +
          `is a directory and is writable by this user.`)
    })
    // mkdir's mode is filtered by the umask.
    if (created !== undefined && !isWindows) yield* Effect.promise(() => chmod(dir, 0o700))

    const stats = yield* Effect.tryPromise({
      try: () => lstat(dir),
      catch: (error) => unsafe(`Cannot inspect the token directory ${dir} (${errnoCode(error)}).`)
    })
    if (stats.isSymbolicLink()) {
      return yield* unsafe(`The token directory ${dir} is a symbolic link; tokens are only written to a real ` +
        `directory. Replace it with a directory: rm ${dir} && mkdir -m 700 ${dir}`)
    }
    if (!stats.isDirectory()) {
      return yield* unsafe(`The token directory ${dir} exists but is not a directory. Move it away, then restart.`)
    }
    if (isWindows) return
    const uid = process.getuid?.()
    if (uid !== undefined && stats.uid !== uid) {
      return yield* unsafe(`The token directory ${dir} is owned by uid ${stats.uid}, not by this user (uid ${uid}). ` +
        `Fix it with: chown ${uid} ${dir} && chmod 700 ${dir}`)
    }
    if ((stats.mode & 0o022) !== 0) {
      return yield* unsafe(`The token directory ${dir} is writable by group or others (mode ` +
        `${(stats.mode & 0o777).toString(8)}), so another user could replace tokens. Fix it with: chmod 700 ${dir}`)
    }
    if ((stats.mode & 0o077) !== 0) {
      yield* Effect.promise(() => chmod(dir, 0o700))
      yield* Effect.logInfo("Tightened the token directory to mode 700").pipe(Effect.annotateLogs({ dir }))
    }
  })

/** Temp files left by a crash between create and rename: never a complete token anyone reads. */
const sweepStaleTempFiles = (dir: string) =>
  Effect.gen(function*() {
    const names = yield* Effect.promise(() => readdir(dir))
    for (const name of names.filter((n) => TEMP_FILE.test(n))) {
      yield* Effect.promise(() => unlink(join(dir, name)).catch((error) => isMissing(error) ? undefined : Promise.reject(error)))
      yield* Effect.logInfo("Removed a stale token temp file").pipe(Effect.annotateLogs({ file: name }))
    }
  })

/**
 * Token files under `tokenDir` (usually `DATA_DIR/mcp-tokens`), each `<walletId>` holding the token and a
 * newline, mode 0600, replaced atomically: temp file in the same directory, fsync, rename, fsync directory.
 */
export const TokenFilesNode = (tokenDir: string): Layer.Layer<TokenFiles, TokenDirectoryUnsafe> =>
  Layer.effect(
    TokenFiles,
    Effect.gen(function*() {
      const dir = resolve(tokenDir)
      yield* secureDirectory(dir)
      yield* sweepStaleTempFiles(dir)

      const pathFor = (walletId: WalletId): string => {
        const invalid = checkWalletId(walletId)
        if (Option.isSome(invalid)) throw new Error(`TokenFiles: ${invalid.value}`)
        return join(dir, walletId)
      }

      const writeTokenAtomically = (target: string, temp: string, content: string) =>
        createOnPool(temp).pipe(
          Effect.flatMap((fd) =>
            attempt(() => {
              writeFileSync(fd, content, "utf8")
              // The open mode is filtered by the umask; 0600 must not depend on it.
              if (!isWindows) fchmodSync(fd, 0o600)
            }).pipe(
              Effect.zipRight(fsyncOnPool(fd)),
              Effect.ensuring(closeQuietly(fd))
            )
          ),
          Effect.zipRight(renameOnPool(temp, target)),
          Effect.onError(() =>
            attempt(() => unlinkSync(temp)).pipe(
              Effect.catchAll((error) =>
                isMissing(error)
                  ? Effect.void
                  : Effect.logWarning("Could not remove a token temp file").pipe(
                    Effect.annotateLogs({ file: temp, code: errnoCode(error) })
                  )
              )
            )
          )
        )

      const write = (walletId: WalletId, token: Redacted.Redacted<string>) =>
        Effect.gen(function*() {
          const invalid = checkWalletId(walletId)
          if (Option.isSome(invalid)) {
            return yield* new TokenFileWriteFailed({ message: `Refused to write a token file: ${invalid.value}` })
          }
          const target = join(dir, walletId)
          // 62 random bits, from node's pooled UUID randomness (one CSPRNG call per 128 names).
          const temp = join(dir, `.${walletId}.${randomUUID().replaceAll("-", "").slice(-16)}.tmp`)
          yield* writeTokenAtomically(target, temp, `${Redacted.value(token)}\n`).pipe(
            Effect.mapError((error) => {
              const code = errnoCode(error)
              return new TokenFileWriteFailed({
                message: `Could not write the token file for wallet ${walletId} (${code})`,
                details: { walletId, code }
              })
            })
          )
          // The new token is in place: a failed directory fsync must not report the write as failed (the
          // caller would revoke a session whose token is already in the file). It is only less durable.
          if (!isWindows) {
            yield* syncDirectory(dir).pipe(Effect.catchAll(logDirectorySyncFailure(dir)))
          }
          // Half a write must not be abandoned: the caller needs to know whether the rename happened.
        }).pipe(Effect.uninterruptible)

      // Synchronous: a token file is a few hundred bytes, read in microseconds, where the promise API costs
      // ~50 µs of file-handle bookkeeping per file (5 s for the 100,000 files a full repair reads).
      const read = (walletId: WalletId) =>
        Effect.sync(() => {
          const path = pathFor(walletId)
          let fd: number
          try {
            fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
          } catch (error) {
            if (isMissing(error)) return Option.none()
            throw error
          }
          try {
            return Option.some(Redacted.make(readFileSync(fd, "utf8").trim()))
          } finally {
            closeSync(fd)
          }
        })

      // Regular files named like a wallet id: temp files, other names, directories and symlinks are not ours.
      const list = Effect.promise(() =>
        readdir(dir, { withFileTypes: true }).catch((error) => isMissing(error) ? [] : Promise.reject(error))
      ).pipe(
        Effect.map((entries) =>
          entries
            .filter((entry) => entry.isFile() && isUuidV7(entry.name))
            .map((entry) => WalletId.make(entry.name))
            .sort()
        ),
        Effect.withSpan("TokenFiles.list")
      )

      // A file that cannot be removed (read-only or failing disk) fails with its errno code; the caller
      // decides (the domain logs it and retries it later).
      const remove = (walletId: WalletId) =>
        Effect.gen(function*() {
          const path = pathFor(walletId)
          const removed = yield* Effect.tryPromise(() => unlink(path)).pipe(
            Effect.as(true),
            Effect.catchAll((error) =>
              isMissing(error.error)
                ? Effect.succeed(false)
                : Effect.fail(new TokenFileRemoveFailed({ walletId, code: errnoCode(error.error) }))
            )
          )
          if (removed && !isWindows) yield* syncDirectory(dir).pipe(Effect.catchAll(logDirectorySyncFailure(dir)))
        })

      return TokenFiles.of({ pathFor, write, read, list, remove })
    })
  )
