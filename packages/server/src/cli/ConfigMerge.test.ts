import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { deepEqual, mergeEntries, mergeEntry } from "./ConfigMerge.js"

const ours = {
  containerPath: ["mcpServers"],
  name: "waiaas-main",
  value: { command: "npx", args: ["@waiaas/mcp"], env: { WAIAAS_WALLET_ID: "w1" } }
}

describe("mergeEntry", () => {
  it("adds the entry next to the other servers, leaving them and other keys as they were", () => {
    const document = { globalShortcut: "Ctrl+Space", mcpServers: { github: { command: "docker", args: ["run"] } } }
    const merged = Either.getOrThrow(mergeEntry(document, ours))
    expect(merged.change).toBe("added")
    expect(merged.document).toEqual({
      globalShortcut: "Ctrl+Space",
      mcpServers: { github: { command: "docker", args: ["run"] }, "waiaas-main": ours.value }
    })
    // Persistent: the input is untouched.
    expect(document.mcpServers).not.toHaveProperty("waiaas-main")
  })

  it("creates the container (and objects on its path) when missing", () => {
    const merged = Either.getOrThrow(mergeEntry({}, { ...ours, containerPath: ["a", "b"] }))
    expect(merged.document).toEqual({ a: { b: { "waiaas-main": ours.value } } })
  })

  it("replaces an entry of the same name instead of adding a second one, keeping keys the user added", () => {
    const document = { mcpServers: { "waiaas-main": { command: "old", args: [], env: { X: "1" }, disabled: true } } }
    const merged = Either.getOrThrow(mergeEntry(document, ours))
    expect(merged.change).toBe("replaced")
    expect(merged.document.mcpServers).toEqual({ "waiaas-main": { ...ours.value, disabled: true } })
  })

  it("reports an entry that is already exactly ours as unchanged", () => {
    const document = { mcpServers: { "waiaas-main": { env: { WAIAAS_WALLET_ID: "w1" }, args: ["@waiaas/mcp"], command: "npx" } } }
    expect(Either.getOrThrow(mergeEntry(document, ours)).change).toBe("unchanged")
  })

  it("refuses a container that is not an object", () => {
    expect(mergeEntry({ mcpServers: [] }, ours)).toEqual(Either.left({ _tag: "ContainerNotAnObject", path: ["mcpServers"] }))
    expect(mergeEntry({ a: "text" }, { ...ours, containerPath: ["a", "b"] })).toEqual(
      Either.left({ _tag: "ContainerNotAnObject", path: ["a"] })
    )
  })
})

describe("mergeEntries", () => {
  it("merges several entries into one container and lists the others as kept", () => {
    const second = { ...ours, name: "waiaas-trading", value: { ...ours.value, env: { WAIAAS_WALLET_ID: "w2" } } }
    const merged = Either.getOrThrow(mergeEntries({ mcpServers: { github: {}, "waiaas-main": {} } }, [ours, second]))
    expect(merged.entries).toEqual([{ name: "waiaas-main", change: "replaced" }, { name: "waiaas-trading", change: "added" }])
    expect(merged.kept).toEqual(["github"])
    expect(Object.keys(merged.document.mcpServers as object)).toEqual(["github", "waiaas-main", "waiaas-trading"])
  })
})

describe("deepEqual", () => {
  it("ignores key order but not array order, and compares dates by value", () => {
    expect(deepEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true)
    expect(deepEqual({ b: [2, 1] }, { b: [1, 2] })).toBe(false)
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(deepEqual(new Date(5), new Date(5))).toBe(true)
    expect(deepEqual(Number.NaN, Number.NaN)).toBe(true)
  })
})
