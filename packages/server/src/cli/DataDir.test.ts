import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { acquireDataDirLock, type DataDirLock } from "./DataDir.js"

// The data dir's lock: one daemon per dir, and what it tells the next start about how the last one stopped.

const withTempDir = <A, E>(body: (dataDir: string, lockFile: string) => Effect.Effect<A, E, Scope.Scope>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-lock-"))),
    (dir) => Effect.scoped(body(dir, path.join(dir, "daemon.lock"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

/** Takes the lock in its own scope, lets `whileHeld` use it, then releases it. */
const holdLock = (dataDir: string, lockFile: string, whileHeld: (lock: DataDirLock) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const lock = yield* acquireDataDirLock(dataDir, lockFile).pipe(Scope.extend(scope))
    expect(fs.readFileSync(lockFile, "utf8")).toBe(`${process.pid}\n`)
    yield* whileHeld(lock)
    yield* Scope.close(scope, Exit.void)
    return lock.previousShutdown
  })

/** A pid no process has: a child that has exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid

describe("acquireDataDirLock", () => {
  it.effect("a fresh lock: the previous stop was clean, and a clean stop removes the file", () =>
    withTempDir((dataDir, lockFile) =>
      Effect.gen(function*() {
        expect(yield* holdLock(dataDir, lockFile)).toBe("clean")
        expect(fs.existsSync(lockFile)).toBe(false)
        expect(yield* holdLock(dataDir, lockFile)).toBe("clean")
      })))

  it.effect("a lock left by a process that is gone (killed, crashed) is taken over, and says the stop was unclean", () =>
    withTempDir((dataDir, lockFile) =>
      Effect.gen(function*() {
        fs.writeFileSync(lockFile, `${deadPid()}\n`)
        // Until told otherwise (the repair done), this daemon's own stop is as unclean as the last one's.
        expect(yield* holdLock(dataDir, lockFile, (lock) => lock.stopsClean(true))).toBe("unclean")
        expect(fs.existsSync(lockFile)).toBe(false)
        expect(yield* holdLock(dataDir, lockFile)).toBe("clean")
      })))

  it.effect("a start that stops before its repair (a wrong password, a port in use) leaves the repair to the next", () =>
    withTempDir((dataDir, lockFile) =>
      Effect.gen(function*() {
        fs.writeFileSync(lockFile, `${deadPid()}\n`)
        expect(yield* holdLock(dataDir, lockFile)).toBe("unclean")
        expect(fs.existsSync(lockFile)).toBe(true)
        expect(yield* holdLock(dataDir, lockFile)).toBe("unclean")
      })))

  it.effect("a stop with repairs left keeps the file, holding no pid, so that the next start repairs", () =>
    withTempDir((dataDir, lockFile) =>
      Effect.gen(function*() {
        expect(yield* holdLock(dataDir, lockFile, (lock) => lock.stopsClean(false))).toBe("clean")
        expect(fs.readFileSync(lockFile, "utf8")).not.toMatch(/^\d/)
        expect(yield* holdLock(dataDir, lockFile, (lock) => lock.stopsClean(true))).toBe("unclean")
        expect(fs.existsSync(lockFile)).toBe(false)
      })))

  it.effect("an unreadable lock (empty: killed between create and write) counts as unclean", () =>
    withTempDir((dataDir, lockFile) =>
      Effect.gen(function*() {
        fs.writeFileSync(lockFile, "")
        expect(yield* holdLock(dataDir, lockFile)).toBe("unclean")
      })))

  it.effect("a lock held by a live process is refused", () =>
    withTempDir((dataDir, lockFile) =>
      Effect.gen(function*() {
        fs.writeFileSync(lockFile, `${process.ppid}\n`)
        const error = yield* Effect.flip(acquireDataDirLock(dataDir, lockFile))
        expect(error).toMatchObject({ _tag: "DaemonAlreadyRunning", pid: process.ppid })
        expect(fs.readFileSync(lockFile, "utf8")).toBe(`${process.ppid}\n`)
      })))
})
