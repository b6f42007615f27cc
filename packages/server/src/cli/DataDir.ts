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

/**
 * One daemon per data dir: a lock file holding our pid, created exclusively. A lock whose process is gone
 * (a crash or SIGKILL) is stale and taken over. Released when the scope closes.
 */
export const acquireDataDirLock = (dataDir: string, lockFile: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        for (let attempt = 0; attempt < 2; attempt++) {
          try {
            const fd = fs.openSync(lockFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600)
            fs.writeSync(fd, `${process.pid}\n`)
            fs.closeSync(fd)
            return
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
            const pid = Number.parseInt(fs.readFileSync(lockFile, "utf8"), 10)
            if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) throw new DaemonAlreadyRunning({ pid, dataDir })
            fs.rmSync(lockFile, { force: true })
          }
        }
        throw new Error(`could not create ${lockFile}`)
      },
      catch: (error) =>
        error instanceof DaemonAlreadyRunning
          ? error
          : new DataDirUnusable({ message: `Cannot lock ${lockFile}: ${(error as Error).message}` })
    }),
    () => Effect.sync(() => fs.rmSync(lockFile, { force: true }))
  )
