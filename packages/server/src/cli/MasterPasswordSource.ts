import { Prompt } from "@effect/cli"
import { Data, Effect, Redacted } from "effect"
import { readFile } from "node:fs/promises"

export class MasterPasswordUnavailable extends Data.TaggedError("MasterPasswordUnavailable")<{ readonly message: string }> {}

/**
 * The master password, from (in order) `WAIAAS_MASTER_PASSWORD`, the file named by
 * `WAIAAS_MASTER_PASSWORD_FILE` (trailing newline trimmed), or a hidden prompt when stdin is a terminal.
 * Never from argv, where other local users could read it.
 */
export const resolveMasterPassword = (env: Record<string, string | undefined>) =>
  Effect.gen(function*() {
    const fromEnv = env.WAIAAS_MASTER_PASSWORD
    if (fromEnv !== undefined && fromEnv !== "") return Redacted.make(fromEnv)
    const file = env.WAIAAS_MASTER_PASSWORD_FILE
    if (file !== undefined && file !== "") {
      const content = yield* Effect.tryPromise({
        try: () => readFile(file, "utf8"),
        catch: (error) =>
          new MasterPasswordUnavailable({
            message: `Cannot read WAIAAS_MASTER_PASSWORD_FILE (${file}): ${(error as NodeJS.ErrnoException).code ?? String(error)}`
          })
      })
      const password = content.replace(/\r?\n$/, "")
      if (password === "") {
        return yield* new MasterPasswordUnavailable({ message: `WAIAAS_MASTER_PASSWORD_FILE (${file}) is empty` })
      }
      return Redacted.make(password)
    }
    if (process.stdin.isTTY) {
      const entered = yield* Prompt.run(Prompt.hidden({ message: "Master password" })).pipe(
        Effect.mapError(() => new MasterPasswordUnavailable({ message: "No master password entered" }))
      )
      if (Redacted.value(entered) === "") {
        return yield* new MasterPasswordUnavailable({ message: "The master password must not be empty" })
      }
      return entered
    }
    return yield* new MasterPasswordUnavailable({
      message: "No master password: set WAIAAS_MASTER_PASSWORD or WAIAAS_MASTER_PASSWORD_FILE, or start in a terminal"
    })
  })
