import { afterAll } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/**
 * For a test file's top level: a maker of fresh directories under the OS temp dir, every one of them removed
 * after the file's tests have run.
 */
export const tempDirsRemovedAfterAll = (prefix: string): () => string => {
  const dirs: Array<string> = []
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
    dirs.push(dir)
    return dir
  }
}
