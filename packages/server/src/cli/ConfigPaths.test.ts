import { describe, expect, it } from "@effect/vitest"
import { clientSnippets, McpClientId } from "@waiaas/domain"
import { Either } from "effect"
import { configPathFor, expandConfigPath } from "./ConfigPaths.js"

const launch = {
  serverName: "waiaas-main",
  command: "npx",
  args: ["@waiaas/mcp"],
  env: { WAIAAS_DATA_DIR: "/d", WAIAAS_BASE_URL: "http://127.0.0.1:3100", WAIAAS_WALLET_ID: "w", WAIAAS_WALLET_NAME: "main" }
}
const pathsOf = (client: McpClientId) => clientSnippets(launch).find((s) => s.client === client)!.configPaths

const linux = { platform: "linux" as const, env: { HOME: "/tmp/home" }, homedir: "/root" }
const mac = { platform: "darwin" as const, env: { HOME: "/Users/ann" }, homedir: "/Users/other" }
const windows = {
  platform: "win32" as const,
  env: { APPDATA: "C:\\Users\\ann\\AppData\\Roaming", USERPROFILE: "C:\\Users\\ann" },
  homedir: "C:\\Users\\ann"
}

describe("configPathFor", () => {
  it("expands the snippet's path for each OS from HOME, APPDATA and USERPROFILE", () => {
    expect(configPathFor("Claude Desktop", pathsOf("claude-desktop"), linux)).toEqual(
      Either.right("/tmp/home/.config/Claude/claude_desktop_config.json")
    )
    expect(configPathFor("Claude Desktop", pathsOf("claude-desktop"), mac)).toEqual(
      Either.right("/Users/ann/Library/Application Support/Claude/claude_desktop_config.json")
    )
    expect(configPathFor("Claude Desktop", pathsOf("claude-desktop"), windows)).toEqual(
      Either.right("C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json")
    )
    expect(configPathFor("Codex", pathsOf("codex"), windows)).toEqual(Either.right("C:\\Users\\ann\\.codex\\config.toml"))
    expect(configPathFor("VS Code", pathsOf("vscode"), linux)).toEqual(Either.right("/tmp/home/.config/Code/User/mcp.json"))
    expect(configPathFor("Zed", pathsOf("zed"), linux)).toEqual(Either.right("/tmp/home/.config/zed/settings.json"))
  })

  it("has a path for every client on every OS", () => {
    for (const client of McpClientId.literals) {
      for (const context of [linux, mac, windows]) {
        expect(Either.isRight(configPathFor(client, pathsOf(client), context))).toBe(true)
      }
    }
  })

  it("falls back to the home directory without HOME, and names a missing variable", () => {
    expect(expandConfigPath("~/.codex/config.toml", { ...linux, env: {} })).toEqual(Either.right("/root/.codex/config.toml"))
    expect(expandConfigPath("%APPDATA%\\Zed\\settings.json", { ...windows, env: {} })).toEqual(
      Either.left("%APPDATA% is not set, so the config file (%APPDATA%\\Zed\\settings.json) cannot be located")
    )
  })

  it("says when a client keeps no file on this OS", () => {
    expect(configPathFor("X", { macos: "~/x" }, linux)).toEqual(Either.left("X has no config file on Linux"))
  })
})
