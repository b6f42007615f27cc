import { Data, Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export class DataDirUnusable extends Data.TaggedError("DataDirUnusable")<{ readonly message: string }> {}

export class DaemonAlreadyRunning extends Data.TaggedError("DaemonAlreadyRunning")<{
  readonly pid: number
  readonly dataDir: string
}> {
  override get message() {
    return `Another daemon (pid ${this.pid}) is already running on ${this.dataDir}; stop it first, or use another WAIAAS_DATA_DIR.`
  }
}

export const resolveDataDir = (env: Record<string, string | undefined>): string =>
  path.resolve(env.WAIAAS_DATA_DIR !== undefined && env.WAIAAS_DATA_DIR !== "" ? env.WAIAAS_DATA_DIR : path.join(os.homedir(), ".waiaas"))

/** Creates the data dir 0700 if missing; refuses one that other users could write into. */
export const ensureDataDir = (dataDir: string) =>
  Effect.try({
    try: () => {
      if (!fs.existsSync(dataDir)) {
        fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
        fs.chmodSync(dataDir, 0o700)
      }
      const stat = fs.statSync(dataDir)
      if (!stat.isDirectory()) throw new Error(`${dataDir} is not a directory`)
      if ((stat.mode & 0o022) !== 0) {
        throw new Error(`${dataDir} is writable by other users; run: chmod 700 ${dataDir}`)
      }
    },
    catch: (error) => new DataDirUnusable({ message: `Data directory unusable: ${(error as Error).message}` })
  })

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** What a lock file holds once its daemon stopped with work left for the next start: no pid, so it is stale. */
const WORK_LEFT = "unclean stop: repair on next start\n"

/** What the lock file says about the previous daemon on this data dir. */
export type PreviousShutdown = "clean" | "unclean"

export interface DataDirLock {
  /**
   * "unclean" when a lock file was there: its daemon was killed or crashed (its process is gone), or it
   * stopped with token-file work left and said so (see `stopsClean`), or the file is unreadable. Then the
   * token directory may disagree with the database. "clean" when there was none: the previous daemon
   * released it at the end of its shutdown.
   */
  readonly previousShutdown: PreviousShutdown
  /**
   * Whether this daemon's stop is clean: if not, the release leaves the lock file behind, holding no pid,
   * so that the next start repairs. Until told, as clean as the previous stop was: a start that fails
   * before its repair (a wrong password, a port in use) leaves the repair to the next one.
   */
  readonly stopsClean: (clean: boolean) => Effect.Effect<void>
}

/**
 * One daemon per data dir: a lock file holding our pid, created exclusively. A lock whose process is gone
 * (a crash or SIGKILL), or that holds no pid, is stale and taken over; finding one is how a start learns
 * that the previous daemon did not stop cleanly. Released when the scope closes.
 */
export const acquireDataDirLock = (dataDir: string, lockFile: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        let previousShutdown: PreviousShutdown = "clean"
        for (let attempt = 0; attempt < 2; attempt++) {
          try {
            const fd = fs.openSync(lockFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600)
            fs.writeSync(fd, `${process.pid}\n`)
            fs.closeSync(fd)
            return { previousShutdown, clean: previousShutdown === "clean" }
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
            const pid = Number.parseInt(fs.readFileSync(lockFile, "utf8"), 10)
            if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) throw new DaemonAlreadyRunning({ pid, dataDir })
            fs.rmSync(lockFile, { force: true })
            previousShutdown = "unclean"
          }
        }
        throw new Error(`could not create ${lockFile}`)
      },
      catch: (error) =>
        error instanceof DaemonAlreadyRunning
          ? error
          : new DataDirUnusable({ message: `Cannot lock ${lockFile}: ${(error as Error).message}` })
    }),
    (state) =>
      Effect.sync(() => {
        if (state.clean) fs.rmSync(lockFile, { force: true })
        // If even this fails, the file keeps our pid, and is stale all the same once we have exited.
        else fs.writeFileSync(lockFile, WORK_LEFT)
      }).pipe(Effect.catchAllDefect(() => Effect.void))
  ).pipe(
    Effect.map((state): DataDirLock => ({
      previousShutdown: state.previousShutdown,
      stopsClean: (clean) => Effect.sync(() => void (state.clean = clean))
    }))
  )
