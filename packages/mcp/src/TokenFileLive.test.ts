import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { permissionWarning } from "./TokenFile.js"
import { readTokenFile } from "./TokenFileLive.js"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-mcp-tokenfile-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let n = 0
const write = (content: string, mode: number) => {
  const file = path.join(root, `token-${n++}`)
  fs.writeFileSync(file, content)
  fs.chmodSync(file, mode)
  return file
}
const uid = process.getuid?.()

describe("readTokenFile", () => {
  it.effect("a missing file is Missing, not an error", () =>
    Effect.gen(function*() {
      expect((yield* readTokenFile(path.join(root, "absent")))._tag).toBe("Missing")
    }))

  it.effect("trims the trailing newline the daemon writes; a private file raises no warning", () =>
    Effect.gen(function*() {
      const read = yield* readTokenFile(write("wai_sess_a.b.c\n", 0o600))
      expect(read._tag).toBe("Present")
      if (read._tag !== "Present") return
      expect(Redacted.value(read.token)).toBe("wai_sess_a.b.c")
      expect(read.permissionWarning).toEqual(Option.none())
      expect(String(read.token)).not.toContain("wai_sess")
    }))

  it.effect.skipIf(uid === undefined)("warns when the file is readable by group or others", () =>
    Effect.gen(function*() {
      const file = write("wai_sess_a.b.c\n", 0o644)
      const read = yield* readTokenFile(file)
      expect(read._tag === "Present" && Option.getOrNull(read.permissionWarning)).toBe(
        `Warning: the token file ${file} is not private: its mode is 0644, so other users may read it. ` +
          `It holds a wallet session token; the daemon writes it 0600 (run \`chmod 600 ${file}\`, or re-provision).`
      )
    }))

  it.effect("a directory is Unreadable, with the reason", () =>
    Effect.gen(function*() {
      const read = yield* readTokenFile(root)
      expect(read._tag).toBe("Unreadable")
    }))
})

describe("permissionWarning", () => {
  it("names another owner, and stays quiet where there are no uids (Windows)", () => {
    expect(permissionWarning("/t", { mode: 0o100600, uid: 1000 }, 1000)).toBeUndefined()
    expect(permissionWarning("/t", { mode: 0o100600, uid: 0 }, 1000)).toContain(
      "it is owned by uid 0, not by this process's uid 1000"
    )
    expect(permissionWarning("/t", { mode: 0o100640, uid: 0 }, 1000)).toContain(
      "its mode is 0640, so other users may read it, and it is owned by uid 0"
    )
    expect(permissionWarning("/t", { mode: 0o100666, uid: 0 }, undefined)).toBeUndefined()
  })
})
