import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"

/** A fresh directory under the OS temp dir, removed (recursively) when the scope closes. */
export const makeTempDir = (prefix = "waiaas-test-") =>
  Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), prefix))),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )

/** True when permission bits do not stop this process (root), so EACCES cannot be provoked by chmod. */
export const runsAsRoot = process.getuid?.() === 0
