// End to end: the built Admin UI, served by the real daemon process (temp data dir), driven in headless
// Chromium. Needs `npm run build` first (the root `npm test` does it) and Chromium at /usr/bin/chromium
// (or WAIAAS_E2E_CHROMIUM). Screenshots of every main screen at 1280 and 390 px go to screenshots/admin/.
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const REPO = fileURLToPath(new URL("../../../../", import.meta.url))
const BIN = process.env.WAIAAS_E2E_DAEMON_BIN ?? path.join(REPO, "packages/server/dist/bundle/waiaas.js")
const ADMIN_INDEX = path.join(REPO, "packages/admin/dist/index.html")
const SHOTS = path.join(REPO, "screenshots/admin")
const CHROMIUM = process.env.WAIAAS_E2E_CHROMIUM ?? "/usr/bin/chromium"
const PASSWORD = "e2e correct horse battery staple"
const SHORT_TIMEOUT_SECONDS = 6

const WIDE = { width: 1280, height: 860 }
const NARROW = { width: 390, height: 844 }

// --- the daemon process ---------------------------------------------------------------------------------

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

interface Daemon {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
}

const startDaemon = async (dataDir: string, port: number, adminTimeoutSeconds: number): Promise<Daemon> => {
  let output = ""
  const child = spawn(process.execPath, [BIN, "start"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dataDir,
      WAIAAS_DATA_DIR: dataDir,
      WAIAAS_DAEMON_PORT: String(port),
      WAIAAS_MASTER_PASSWORD: PASSWORD,
      WAIAAS_DAEMON_ADMIN_TIMEOUT: String(adminTimeoutSeconds)
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (output.includes("daemon listening on")) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`daemon exited with ${code}:\n${output}`))
    })
  })
  return { child, output: () => output, exited }
}

const stopDaemon = async (daemon: Daemon | undefined) => {
  if (daemon === undefined) return
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM")
  await daemon.exited
}

// --- helpers ----------------------------------------------------------------------------------------------

const waitFor = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const readIfExists = (file: string): string | undefined => fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined

/** The screen at both widths (full page, toasts dismissed), back at the wide one afterwards. */
const shoot = async (page: Page, name: string) => {
  const dismiss = page.getByRole("button", { name: "Dismiss" })
  for (let left = 8; left > 0 && await dismiss.count() > 0; left--) await dismiss.first().click({ timeout: 500 }).catch(() => undefined)
  await page.setViewportSize(NARROW)
  await page.waitForTimeout(150)
  await page.screenshot({ path: path.join(SHOTS, `${name}-390.png`), fullPage: true })
  await page.setViewportSize(WIDE)
  await page.waitForTimeout(150)
  await page.screenshot({ path: path.join(SHOTS, `${name}-1280.png`), fullPage: true })
}

// --- the run ----------------------------------------------------------------------------------------------

describe("Admin UI in Chromium against the real daemon", () => {
  let dataDir: string
  let profileDir: string
  let port: number
  let base: string
  let daemon: Daemon | undefined
  let context: BrowserContext
  let page: Page
  let walletId: string
  let serverName: string
  let tokenFile: string
  const foreignRequests: Array<string> = []
  const pageProblems: Array<string> = []

  beforeAll(async () => {
    for (const [what, file] of [["the daemon", BIN], ["the Admin UI", ADMIN_INDEX], ["Chromium", CHROMIUM]] as const) {
      if (!fs.existsSync(file)) throw new Error(`${what} is missing (${file}): run \`npm run build\` first, or install chromium`)
    }
    fs.mkdirSync(SHOTS, { recursive: true })
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-admin-e2e-"))
    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-admin-chromium-"))
    port = await freePort()
    base = `http://127.0.0.1:${port}`
    daemon = await startDaemon(dataDir, port, 900)
    const served = await fetch(`${base}/admin/`)
    if (served.status !== 200) {
      throw new Error(`the daemon does not serve the Admin UI at /admin/ (${served.status}): ${await served.text()}`)
    }
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run"
      ],
      viewport: WIDE,
      colorScheme: "light",
      locale: "en-US"
    })
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base })
    page = context.pages()[0] ?? await context.newPage()
    page.setDefaultTimeout(10_000)
    page.on("request", (request) => {
      const url = request.url()
      if (!url.startsWith(base) && !url.startsWith("data:")) foreignRequests.push(url)
    })
    page.on("console", (message) => {
      if (message.type() === "error" && !/Failed to load resource/.test(message.text())) pageProblems.push(message.text())
      if (/Content.Security.Policy/i.test(message.text())) pageProblems.push(message.text())
    })
    page.on("pageerror", (error) => pageProblems.push(error.message))
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    await stopDaemon(daemon)
    for (const dir of [dataDir, profileDir]) if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it("serves /admin with the security headers, and refuses a wrong password", async () => {
    const response = await page.goto(`${base}/admin`)
    expect(new URL(page.url()).pathname).toBe("/admin/")
    const headers = response!.headers()
    expect(headers["content-security-policy"]).toContain("script-src 'self'")
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'")
    expect(headers["x-frame-options"]).toBe("DENY")

    await expect(page.getByLabel("Master password").isVisible()).resolves.toBe(true)
    await shoot(page, "01-login")

    await page.getByLabel("Master password").fill("not the password")
    await page.getByRole("button", { name: "Sign in" }).click()
    const alert = page.getByRole("alert")
    await alert.waitFor()
    expect(await alert.textContent()).toContain("Invalid master password")
    expect(await page.getByRole("heading", { name: "Wallets" }).count()).toBe(0)
    await shoot(page, "02-login-wrong-password")
  })

  it("signs in with the right password (keyboard only), keeping it out of storage and the URL", async () => {
    await page.getByLabel("Master password").fill("")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { level: 1, name: "Wallets" }).waitFor()
    const stored = await page.evaluate(
      "JSON.stringify([location.href, document.cookie, Object.entries(localStorage), Object.entries(sessionStorage), history.state])"
    )
    expect(String(stored)).not.toContain(PASSWORD)
    await shoot(page, "03-wallets-empty")
  })

  it("creates a wallet and opens it", async () => {
    await page.getByLabel("Name", { exact: true }).fill("E2E Trading Bot")
    await page.getByRole("button", { name: "Create wallet" }).click()
    await page.getByRole("heading", { level: 1, name: "E2E Trading Bot" }).waitFor()
    walletId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!)
    expect(walletId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
    await page.getByRole("button", { name: "Provision MCP token" }).waitFor()
    await shoot(page, "04-wallet-new")
  })

  it("provisions an MCP token: the copied Claude Desktop config points at the token file now on disk", async () => {
    await page.getByLabel("Token lifetime").selectOption("3600")
    await page.getByRole("button", { name: "Provision MCP token" }).click()
    await page.getByRole("button", { name: "Re-provision" }).waitFor()

    const claudeTab = page.getByRole("tab", { name: "Claude Desktop" })
    expect(await claudeTab.getAttribute("aria-selected")).toBe("true")
    await page.getByRole("button", { name: "Copy Claude Desktop config" }).click()
    const copied = String(await page.evaluate("navigator.clipboard.readText()"))
    const config = JSON.parse(copied) as { mcpServers: Record<string, { env: Record<string, string> }> }
    const names = Object.keys(config.mcpServers)
    expect(names).toHaveLength(1)
    serverName = names[0]!
    const env = config.mcpServers[serverName]!.env
    expect(env.WAIAAS_WALLET_ID).toBe(walletId)
    expect(path.resolve(env.WAIAAS_DATA_DIR!)).toBe(path.resolve(dataDir))
    tokenFile = path.join(env.WAIAAS_DATA_DIR!, "mcp-tokens", env.WAIAAS_WALLET_ID!)
    expect(readIfExists(tokenFile)).toMatch(/^wai_sess_[\w-]+\.[\w-]+\.[\w-]+\n$/)

    const main = page.getByRole("main")
    expect(await main.textContent()).toContain(serverName)
    expect(await main.textContent()).toContain(tokenFile)
    // Expiry: absolute and relative (1 hour from now)
    expect(await main.textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(in (59 min|1 h)\)/)

    // The tabs work from the keyboard
    await claudeTab.focus()
    await page.keyboard.press("ArrowRight")
    expect(await page.getByRole("tab", { name: "Claude Code" }).getAttribute("aria-selected")).toBe("true")
    expect(await page.getByRole("tabpanel").textContent()).toContain("claude mcp add")
    await page.keyboard.press("Home")
    expect(await claudeTab.getAttribute("aria-selected")).toBe("true")
    await shoot(page, "05-wallet-provisioned")
  })

  it("re-provisioning writes a new token to the same file", async () => {
    const before = readIfExists(tokenFile)
    await page.getByRole("button", { name: "Re-provision" }).click()
    await waitFor("the token file to change", () => {
      const now = readIfExists(tokenFile)
      return now !== undefined && now !== before
    })
    await page.getByText("re-provisioned", { exact: false }).first().waitFor()
    // The sessions table shows the replaced session and the new one
    const sessions = page.getByRole("table", { name: "Sessions" })
    await sessions.getByText("Revoked").first().waitFor()
    expect(await sessions.getByText("Active").count()).toBe(1)
  })

  it("revoking (after a confirmation) removes the token file", async () => {
    await page.getByRole("button", { name: "Revoke", exact: true }).click()
    const dialog = page.getByRole("dialog")
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain("stops working until you provision again")
    await shoot(page, "06-dialog-revoke-mcp")
    await dialog.getByRole("button", { name: "Revoke token" }).click()
    await waitFor("the token file to disappear", () => !fs.existsSync(tokenFile))
    await page.getByRole("button", { name: "Provision MCP token" }).waitFor()
  })

  it("renames and terminates wallets (with a confirmation)", async () => {
    await page.getByRole("link", { name: "Wallets", exact: true }).click()
    await page.getByRole("heading", { level: 1, name: "Wallets" }).waitFor()
    await page.getByLabel("Name", { exact: true }).fill("Scratch wallet")
    await page.getByRole("button", { name: "Create wallet" }).click()
    await page.getByRole("heading", { level: 1, name: "Scratch wallet" }).waitFor()
    await page.getByRole("button", { name: "Rename" }).click()
    await page.getByRole("dialog").getByLabel("New name").fill("Scratch wallet (renamed)")
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { level: 1, name: "Scratch wallet (renamed)" }).waitFor()

    await page.getByRole("button", { name: "Terminate…" }).click()
    const dialog = page.getByRole("dialog")
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain("cannot be undone")
    // Cancel has the focus: Enter must not destroy anything by accident
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Cancel")
    await dialog.getByRole("button", { name: "Terminate wallet" }).click()
    await page.getByRole("heading", { level: 1, name: "Scratch wallet (renamed)" }).waitFor()
    await page.getByRole("main").getByText("Terminated").first().waitFor()

    await page.getByRole("link", { name: "Wallets", exact: true }).click()
    await page.getByRole("link", { name: "E2E Trading Bot" }).waitFor()
    expect(await page.getByRole("link", { name: "Scratch wallet (renamed)" }).count()).toBe(0)
    await page.getByLabel("Show terminated (1)").check()
    await page.getByRole("link", { name: "Scratch wallet (renamed)" }).waitFor()
    await shoot(page, "07-wallets")
  })

  it("shows the audit log, newest first, in pages", async () => {
    // More events than one page holds: provision ten times through the API, then revoke.
    const admin = { "x-master-password": PASSWORD, "content-type": "application/json" }
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${base}/v1/mcp/tokens`, { method: "POST", headers: admin, body: JSON.stringify({ walletId }) })
      expect(response.status).toBe(201)
    }
    expect((await fetch(`${base}/v1/mcp/tokens/${walletId}`, { method: "DELETE", headers: admin })).status).toBe(200)

    await page.getByRole("link", { name: "Events" }).click()
    await page.getByRole("heading", { level: 1, name: "Events" }).waitFor()
    const table = page.getByRole("table", { name: "Audit log" })
    await table.waitFor()
    const rows = table.locator("tbody tr")
    const times = async () => (await table.locator("tbody time").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("datetime")!)))
    // Each row without its time column (whose relative part ticks): unique per event.
    const rowKeys = () =>
      rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td") as ArrayLike<{ readonly textContent: string | null }>).slice(1).map((td) => td.textContent).join(" | ")))
    expect(await rows.first().textContent()).toContain("Session revoked")
    const text = await table.textContent()
    for (const label of ["MCP token provisioned", "Session created", "Wallet terminated", "Master password refused"]) {
      expect(text).toContain(label)
    }
    const firstPage = await times()
    expect(firstPage).toEqual([...firstPage].sort().reverse())
    await shoot(page, "08-events")

    await page.getByLabel("Per page").selectOption("25")
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(25)
    await page.getByText("Page 1").waitFor()
    const page1 = await times()
    const page1Rows = await rowKeys()
    await page.getByRole("button", { name: "Older →" }).click()
    await page.getByText("Page 2").waitFor()
    // (several events share a second: rows, not times, tell the pages apart)
    await expect.poll(async () => (await rowKeys())[0] !== page1Rows[0], { timeout: 10_000 }).toBe(true)
    const page2 = await times()
    expect(page2.length).toBeGreaterThan(0)
    expect(page2[0]! <= page1[page1.length - 1]!).toBe(true)
    expect((await rowKeys()).some((row) => page1Rows.includes(row))).toBe(false)
    expect(await table.textContent()).toContain("Master password refused") // the oldest event
    await page.getByRole("button", { name: "← Newer" }).click()
    await page.getByText("Page 1").waitFor()
    await expect.poll(rowKeys, { timeout: 10_000 }).toEqual(page1Rows)
  })

  it("rotates the JWT secret after a confirmation that says what happens to MCP clients", async () => {
    // A provisioned wallet, so that rotation has a token file to re-sign
    // (in-app navigation: a reload would forget the password, by design)
    await page.getByRole("link", { name: "Wallets", exact: true }).click()
    await page.getByRole("link", { name: "E2E Trading Bot" }).click()
    await page.getByRole("heading", { level: 1, name: "E2E Trading Bot" }).waitFor()
    await page.getByRole("button", { name: "Provision MCP token" }).click()
    await page.getByRole("button", { name: "Re-provision" }).waitFor()
    const before = readIfExists(tokenFile)
    expect(before).toBeDefined()

    await page.getByRole("link", { name: "Settings" }).click()
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor()
    await page.getByRole("button", { name: "Rotate secret…" }).click()
    const dialog = page.getByRole("dialog")
    await dialog.waitFor()
    const says = await dialog.textContent()
    expect(says).toContain("Running MCP servers keep working: their token files are re-signed at once.")
    expect(says).toContain("API clients using old tokens keep working for 5 min")
    await shoot(page, "09-dialog-rotate")
    await dialog.getByRole("button", { name: "Rotate secret" }).click()
    await page.getByText("1 MCP token file was re-signed").waitFor()
    const after = readIfExists(tokenFile)
    expect(after).toMatch(/^wai_sess_/)
    expect(after).not.toBe(before)

    // A second rotation inside the grace window is refused, and says when to retry
    await page.getByRole("button", { name: "Rotate secret…" }).click()
    await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click()
    const refusal = page.getByRole("dialog").getByRole("alert")
    await refusal.waitFor()
    expect(await refusal.textContent()).toMatch(/Try again in \d+ min/)
    await shoot(page, "10-dialog-rotate-too-recent")
    await page.keyboard.press("Escape")
    await shoot(page, "11-settings")
  })

  it("revokes all sessions after a confirmation; the token file goes", async () => {
    await page.getByRole("button", { name: "Revoke all sessions…" }).click()
    const dialog = page.getByRole("dialog")
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain("Every MCP client stops working until re-provisioned")
    await dialog.getByRole("button", { name: "Revoke all sessions" }).click()
    await page.getByText(/sessions? revoked, 1 token file deleted/).waitFor()
    await waitFor("the token file to disappear", () => !fs.existsSync(tokenFile))
  })

  it("returns to login on any 401, and shows a lockout's retry time", async () => {
    await page.route("**/v1/wallets", (route) =>
      route.fulfill({
        status: 401,
        contentType: "application/json",
        body: JSON.stringify({ code: "INVALID_MASTER_PASSWORD", message: "Invalid master password", requestId: "e2e", retryable: false })
      }))
    await page.getByRole("link", { name: "Wallets", exact: true }).click()
    await page.getByLabel("Master password").waitFor()
    expect(await page.getByRole("status").first().textContent()).toContain("no longer accepts the password")
    await page.unroute("**/v1/wallets")

    await page.route("**/v1/wallets", (route) =>
      route.fulfill({
        status: 429,
        contentType: "application/json",
        headers: { "retry-after": "90" },
        body: JSON.stringify({
          code: "MASTER_PASSWORD_LOCKED",
          message: "Too many wrong master passwords",
          requestId: "e2e",
          retryable: true,
          details: { retryAfter: 90 },
          hint: "Wait details.retryAfter seconds before trying again."
        })
      }))
    await page.getByLabel("Master password").fill("guess")
    await page.getByRole("button", { name: "Sign in" }).click()
    const alert = page.getByRole("alert")
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/Try again in 1 min (2\d|30) s/)
    expect(await page.getByRole("button", { name: /Locked, wait/ }).isDisabled()).toBe(true)
    await shoot(page, "12-login-locked")
    await page.unroute("**/v1/wallets")
  })

  it("shows a clear banner while the daemon is down, and reconnects by itself", async () => {
    await page.goto(`${base}/admin/`) // (the page above still counts down the fake lockout)
    await page.getByLabel("Master password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("heading", { level: 1, name: "Wallets" }).waitFor()
    await stopDaemon(daemon)
    daemon = undefined
    await page.getByRole("button", { name: "Refresh" }).click()
    const banner = page.getByRole("alert").filter({ hasText: "The WAIaaS daemon is not responding" })
    await banner.waitFor()
    await shoot(page, "13-daemon-down")
    // Back up (now with a short inactivity timeout for the next test): the banner goes by itself.
    daemon = await startDaemon(dataDir, port, SHORT_TIMEOUT_SECONDS)
    await banner.waitFor({ state: "detached", timeout: 15_000 })
  }, 60_000)

  it("signs out after the configured inactivity timeout", async () => {
    // A fresh page load reads the daemon's new timeout from /admin/settings.json.
    await page.goto(`${base}/admin/`)
    await page.getByLabel("Master password").fill(PASSWORD)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("heading", { level: 1, name: "Wallets" }).waitFor()
    await page.getByText("you will be signed out in").waitFor({ timeout: SHORT_TIMEOUT_SECONDS * 1000 })
    await page.screenshot({ path: path.join(SHOTS, "14-idle-warning-1280.png") })
    await page.getByLabel("Master password").waitFor({ timeout: SHORT_TIMEOUT_SECONDS * 1000 + 3000 })
    expect(await page.getByRole("status").first().textContent()).toContain(`signed out after ${SHORT_TIMEOUT_SECONDS} s without activity`)
    await shoot(page, "15-login-after-inactivity")
  }, 60_000)

  it("locks the login after repeated wrong passwords, and says when to retry (the daemon's own lockout)", async () => {
    const password = page.getByLabel("Master password")
    const signIn = page.getByRole("button", { name: /Sign in|Locked, wait/ })
    let said = ""
    for (let attempt = 1; attempt <= 8 && !said.includes("locked"); attempt++) {
      await expect.poll(() => signIn.isEnabled(), { timeout: 5000 }).toBe(true)
      await password.fill(`wrong ${attempt}`)
      await signIn.click()
      await expect.poll(async () => (await page.getByRole("alert").textContent()) ?? "", { timeout: 10_000 }).toMatch(/Invalid master password|locked/i)
      said = (await page.getByRole("alert").textContent()) ?? ""
    }
    expect(said).toContain("Master password locked after repeated failures")
    expect(said).toMatch(/Try again in \d+ s|You can try again now/)
    await shoot(page, "16-login-locked-by-daemon")
  }, 60_000)

  it("loaded nothing from elsewhere and broke no Content-Security-Policy rule", () => {
    expect(foreignRequests).toEqual([])
    expect(pageProblems.filter((problem) => !/ERR_CONNECTION_REFUSED|Failed to fetch/.test(problem))).toEqual([])
  })
})
