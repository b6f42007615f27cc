import { HttpApi, HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { ADMIN_SECURITY_HEADERS, adminRelativePath, AdminStaticLive } from "./AdminStatic.js"
import { createHttpServer } from "./NodeServer.js"
import { withRequestPolicy } from "./RequestPolicy.js"

interface Answer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  readonly json: any
}

/** A request with its path sent byte for byte (fetch would normalise `..` away). */
const get = (port: number, rawPath: string, headers: Record<string, string> = {}) =>
  Effect.async<Answer, Error>((resume) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: rawPath, method: "GET", setHost: false, headers: { host: `127.0.0.1:${port}`, connection: "close", ...headers } },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, text, json }))
        })
      }
    )
    req.on("error", (error) => resume(Effect.fail(error)))
    req.end()
  })

const SECRET = "TOP SECRET: outside the admin root"

/** A fake build next to a secret file, and a symlink in the build that points at the secret. */
const makeFixture = () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-admin-static-"))
  const root = path.join(base, "dist")
  fs.mkdirSync(path.join(root, "assets"), { recursive: true })
  fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>INDEX</title>")
  fs.writeFileSync(path.join(root, "assets", "index-abc123.js"), "console.log('app')")
  fs.writeFileSync(path.join(root, "assets", "index-abc123.css"), "body{}")
  fs.writeFileSync(path.join(root, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>")
  fs.writeFileSync(path.join(root, ".env"), "HIDDEN=1")
  fs.writeFileSync(path.join(base, "secret.txt"), SECRET)
  fs.symlinkSync(path.join(base, "secret.txt"), path.join(root, "assets", "leak.js"))
  fs.symlinkSync(base, path.join(root, "up"))
  return { base, root }
}

class Port extends Context.Tag("test/AdminStaticPort")<Port, number>() {}

const PortLive = Layer.effect(
  Port,
  Effect.map(HttpServer.HttpServer, (server) => server.address._tag === "TcpAddress" ? server.address.port : 0)
)

/**
 * The static routes on a real port, behind the daemon's request policy (host guard, request ids, error
 * shape) unless `policy` is false.
 */
const serverWith = (root: string, policy = true) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(AdminStaticLive(root, { inactivityTimeoutSeconds: 42, rotationGracePeriodSeconds: 600 })),
    (serve) => policy ? withRequestPolicy(serve) : serve,
    Layer.provide(HttpApiBuilder.api(HttpApi.make("empty"))),
    Layer.provideMerge(PortLive),
    Layer.provideMerge(NodeHttpServer.layer(createHttpServer, { port: 0, host: "127.0.0.1" }))
  )

const fixture = makeFixture()
const withServer = <A, E>(f: (port: number) => Effect.Effect<A, E>) =>
  Effect.flatMap(Port, f).pipe(
    Effect.provide(serverWith(fixture.root)),
    Effect.scoped
  )

const expectRefused = (answer: Answer) => {
  expect(answer.status).toBe(404)
  expect(answer.json).toMatchObject({ code: "NOT_FOUND", retryable: false })
  expect(typeof answer.json.requestId).toBe("string")
  expect(answer.text).not.toContain("TOP SECRET")
  expect(answer.text).not.toContain("root:")
}

describe("adminRelativePath", () => {
  it("maps request paths to files under the root", () => {
    expect(adminRelativePath("/admin/")).toEqual(Option.some(""))
    expect(adminRelativePath("/admin/assets/index-abc.js")).toEqual(Option.some("assets/index-abc.js"))
    expect(adminRelativePath("/admin/wallets/0197-x")).toEqual(Option.some("wallets/0197-x"))
    expect(adminRelativePath("/admin//assets//a.js")).toEqual(Option.some("assets/a.js"))
    expect(adminRelativePath("/admin/a%20b.txt")).toEqual(Option.some("a b.txt"))
  })

  it.each([
    "/admin/..%2f..%2fetc%2fpasswd",
    "/admin/%2e%2e/",
    "/admin/%2E%2E/%2e%2e/etc/passwd",
    "/admin/../etc/passwd",
    "/admin/assets/../../secret.txt",
    "/admin/./index.html",
    "/admin/..%5c..%5csecret.txt",
    "/admin/..\\..\\secret.txt",
    "/admin/index.html%00.js",
    "/admin/.env",
    "/admin/%E0%A4%A",
    "/adminx/index.html"
  ])("refuses %s", (requestPath) => {
    expect(adminRelativePath(requestPath)).toEqual(Option.none())
  })
})

describe("AdminStaticLive", () => {
  it.scoped("redirects /admin to /admin/, keeping the query", () =>
    withServer((port) =>
      Effect.gen(function*() {
        const plain = yield* get(port, "/admin")
        expect(plain.status).toBe(308)
        expect(plain.headers.location).toBe("/admin/")
        const query = yield* get(port, "/admin?x=1")
        expect(query.headers.location).toBe("/admin/?x=1")
      })
    ))

  it.scoped("serves index.html with the security headers and no caching", () =>
    withServer((port) =>
      Effect.gen(function*() {
        const index = yield* get(port, "/admin/")
        expect(index.status).toBe(200)
        expect(index.text).toContain("INDEX")
        expect(index.headers["content-type"]).toBe("text/html; charset=utf-8")
        for (const [name, value] of Object.entries(ADMIN_SECURITY_HEADERS)) expect(index.headers[name]).toBe(value)
        expect(index.headers["content-security-policy"]).toContain("script-src 'self'")
        expect(index.headers["content-security-policy"]).toContain("frame-ancestors 'none'")
        expect(index.headers["x-frame-options"]).toBe("DENY")
        expect(index.headers["cache-control"]).toBe("no-store")
        expect(index.headers["x-request-id"]).toBeDefined()
      })
    ))

  it.scoped("serves hashed assets with their content type", () =>
    withServer((port) =>
      Effect.gen(function*() {
        const js = yield* get(port, "/admin/assets/index-abc123.js")
        expect(js.status).toBe(200)
        expect(js.text).toBe("console.log('app')")
        expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8")
        expect(js.headers["content-security-policy"]).toBe(ADMIN_SECURITY_HEADERS["content-security-policy"])
        const css = yield* get(port, "/admin/assets/index-abc123.css")
        expect(css.headers["content-type"]).toBe("text/css; charset=utf-8")
        const icon = yield* get(port, "/admin/favicon.svg")
        expect(icon.headers["content-type"]).toBe("image/svg+xml")
      })
    ))

  it.scoped("marks hashed assets immutable and other files for revalidation (the layer's own headers)", () =>
    Effect.gen(function*() {
      const port = yield* Port
      const js = yield* get(port, "/admin/assets/index-abc123.js")
      expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable")
      const icon = yield* get(port, "/admin/favicon.svg")
      expect(icon.headers["cache-control"]).toBe("no-cache")
      const index = yield* get(port, "/admin/")
      expect(index.headers["cache-control"]).toBe("no-store")
    }).pipe(Effect.provide(serverWith(fixture.root, false))))

  it.scoped("answers the UI's own routes with index.html (SPA fallback)", () =>
    withServer((port) =>
      Effect.gen(function*() {
        for (const route of ["/admin/wallets", "/admin/wallets/01970000-0000-7000-8000-000000000001", "/admin/events?x=1", "/admin/settings"]) {
          const answer = yield* get(port, route)
          expect(answer.status).toBe(200)
          expect(answer.text).toContain("INDEX")
          expect(answer.headers["cache-control"]).toBe("no-store")
        }
      })
    ))

  it.scoped("answers a missing asset with a 404 in the error shape, not index.html", () =>
    withServer((port) =>
      Effect.gen(function*() {
        const answer = yield* get(port, "/admin/assets/missing-123.js")
        expectRefused(answer)
        expect(answer.headers["content-type"]).toContain("application/json")
      })
    ))

  it.scoped("tells the UI its inactivity timeout", () =>
    withServer((port) =>
      Effect.gen(function*() {
        const answer = yield* get(port, "/admin/settings.json")
        expect(answer.status).toBe(200)
        expect(answer.json).toEqual({ inactivityTimeoutSeconds: 42, rotationGracePeriodSeconds: 600 })
        expect(answer.headers["cache-control"]).toBe("no-store")
      })
    ))

  it.scoped("refuses path traversal, plain or encoded, and symlinks that lead out", () =>
    withServer((port) =>
      Effect.gen(function*() {
        for (
          const attempt of [
            "/admin/..%2f..%2fetc%2fpasswd",
            "/admin/%2e%2e/",
            "/admin/%2e%2e/secret.txt",
            "/admin/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/admin/..%2fsecret.txt",
            "/admin/assets/..%2f..%2fsecret.txt",
            "/admin/..%5csecret.txt",
            "/admin/%252e%252e/secret.txt",
            "/admin/../secret.txt",
            "/admin/assets/../../secret.txt",
            "/admin/assets/leak.js",
            "/admin/up/secret.txt",
            "/admin/.env",
            "/admin/index.html%00",
            "/admin/%E0%A4%A"
          ]
        ) {
          const answer = yield* get(port, attempt)
          expect({ attempt, status: answer.status }).toEqual({ attempt, status: 404 })
          expectRefused(answer)
        }
      })
    ))

  it.scoped("stays behind the host guard", () =>
    withServer((port) =>
      Effect.gen(function*() {
        const answer = yield* get(port, "/admin/", { host: "evil.example:80" })
        expect(answer.status).toBe(403)
        expect(answer.json.code).toBe("HOST_NOT_ALLOWED")
      })
    ))

  it.scoped("says to build the UI when its files are missing", () =>
    Effect.gen(function*() {
      const port = yield* Port
      for (const route of ["/admin/", "/admin/wallets"]) {
        const answer = yield* get(port, route)
        expect(answer.status).toBe(503)
        expect(answer.json).toMatchObject({ code: "ADMIN_UI_NOT_BUILT" })
        expect(answer.json.message).toContain("not built")
        expect(answer.json.hint).toContain("npm run build")
      }
      const redirect = yield* get(port, "/admin")
      expect(redirect.status).toBe(308)
    }).pipe(Effect.provide(serverWith(path.join(fixture.base, "no-such-dist"))))
  )
})
