import { HttpServer } from "@effect/platform"
import { MemoryStack, SqliteStack, testArgon2Params, TokenFilesFaulty } from "@waiaas/adapters"
import { type DaemonSettingsShape, ensureMasterPassword } from "@waiaas/domain"
import { Context, Effect, Layer, Logger, LogLevel, Redacted, type Ref } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { settingsFor } from "@waiaas/adapters/testing/stacks"
import { HttpAppLive, HttpServerLive } from "../http/Http.js"

export const TEST_PASSWORD = "correct horse battery staple"

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  /** The parsed body; undefined when it is not JSON. */
  readonly json: any
}

export interface RawRequest {
  readonly method?: string
  readonly path: string
  readonly headers?: Record<string, string | undefined>
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown
  /** Send the body chunked, without Content-Length. */
  readonly chunked?: boolean
}

/** One HTTP request over a fresh connection, exactly as given (Host included), with node:http. */
export const rawRequest = (port: number, request: RawRequest) =>
  Effect.async<RawResponse, Error>((resume) => {
    const body = request.body === undefined
      ? undefined
      : typeof request.body === "string" || Buffer.isBuffer(request.body)
      ? request.body
      : JSON.stringify(request.body)
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, connection: "close" }
    if (body !== undefined && request.body !== null && typeof request.body === "object" && !Buffer.isBuffer(request.body)) {
      headers["content-type"] = "application/json"
    }
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value === undefined) delete headers[name.toLowerCase()]
      else headers[name.toLowerCase()] = value
    }
    if (body !== undefined && !request.chunked) headers["content-length"] = String(Buffer.byteLength(body))
    const req = http.request({ host: "127.0.0.1", port, setHost: false, method: request.method ?? "GET", path: request.path, headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown = undefined
        try {
          json = JSON.parse(text)
        } catch {
          // not JSON; the test decides whether that matters
        }
        resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, text, json }))
      })
    })
    req.on("error", (error) => resume(Effect.fail(error)))
    if (body !== undefined) {
      if (request.chunked) {
        const buffer = Buffer.from(body)
        for (let offset = 0; offset < buffer.length; offset += 16 * 1024) req.write(buffer.subarray(offset, offset + 16 * 1024))
      } else req.write(body)
    }
    req.end()
  })

export class TestDaemon extends Context.Tag("test/TestDaemon")<TestDaemon, {
  readonly port: number
  readonly dataDir: string
  readonly settings: DaemonSettingsShape
  readonly request: (request: RawRequest) => Effect.Effect<RawResponse, Error>
  /** A request with the right master password. */
  readonly admin: (request: RawRequest) => Effect.Effect<RawResponse, Error>
}>() {}

/** The same settings the domain specs run with (adapters' test stacks). */
export const testSettings = settingsFor

/**
 * The real HTTP app on a random loopback port, over the SQLite stack in a temp data dir (or the memory
 * stack), with the master password already set. The data dir is removed when the scope closes.
 */
export const TestDaemonLive = (options: {
  readonly stack: "sqlite" | "memory"
  readonly settings?: Partial<DaemonSettingsShape>
  /** While true, every token-file write fails with ENOSPC (TokenFilesFaulty), the previous file untouched. */
  readonly failTokenWrites?: Ref.Ref<boolean>
}) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const dataDir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-test-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    )
    const settings = testSettings(dataDir, options.settings)
    const ports = options.stack === "sqlite" ? SqliteStack({ settings, argon2: testArgon2Params }) : MemoryStack(settings)
    const stack = options.failTokenWrites === undefined
      ? ports
      : Layer.provideMerge(TokenFilesFaulty(options.failTokenWrites), ports)
    const daemon = Layer.scoped(TestDaemon, Effect.gen(function*() {
      yield* ensureMasterPassword(Redacted.make(TEST_PASSWORD))
      const address = (yield* HttpServer.HttpServer).address
      const port = address._tag === "TcpAddress" ? address.port : 0
      const request = (req: RawRequest) => rawRequest(port, req)
      return {
        port,
        dataDir,
        settings,
        request,
        admin: (req: RawRequest) => request({ ...req, headers: { "x-master-password": TEST_PASSWORD, ...req.headers } })
      }
    }))
    return Layer.mergeAll(daemon, HttpAppLive).pipe(
      Layer.provideMerge(HttpServerLive({ port: 0, host: "127.0.0.1" })),
      Layer.provideMerge(stack),
      // Request lines would drown the test output; warnings and errors still show.
      Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
    )
  }))
