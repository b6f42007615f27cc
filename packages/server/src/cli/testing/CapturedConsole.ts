import { Console, Effect } from "effect"

/** What a program printed: `log` lines (stdout) and `error` lines (stderr), split at newlines. */
export interface Captured {
  readonly stdout: Array<string>
  readonly stderr: Array<string>
  readonly out: () => string
  readonly err: () => string
}

/**
 * Runs `effect` with a Console that records log and error output instead of printing it; every other
 * console method is a no-op.
 */
export const captureConsole = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const captured: Captured = {
      stdout: [],
      stderr: [],
      out: () => captured.stdout.join("\n"),
      err: () => captured.stderr.join("\n")
    }
    const record = (lines: Array<string>) => (...args: ReadonlyArray<unknown>) => {
      lines.push(...args.map(String).join(" ").split("\n"))
    }
    const unsafe = new Proxy({} as Console.UnsafeConsole, {
      get: (_, name) => name === "log" ? record(captured.stdout) : name === "error" ? record(captured.stderr) : () => {}
    })
    const console = new Proxy({} as Console.Console, {
      get: (_, name) => {
        if (name === Console.TypeId) return Console.TypeId
        if (name === "unsafe") return unsafe
        if (name === "clear" || name === "groupEnd") return Effect.void
        return (...args: ReadonlyArray<unknown>) => Effect.sync(() => (unsafe as any)[name](...args))
      }
    })
    return Effect.withConsole(effect, console).pipe(
      Effect.exit,
      Effect.map((exit) => ({ exit, ...captured }))
    )
  })
