import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { SqliteStack, testArgon2Params } from "@waiaas/adapters"
import { settingsFor } from "@waiaas/adapters/testing/stacks"
import { ensureMasterPassword } from "@waiaas/domain"
import { Context, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { HttpAppLive } from "../http/Http.js"
import { createHttpServer, type PreRoute } from "../http/NodeServer.js"
import { type RawRequest, rawRequest, type RawResponse, TEST_PASSWORD } from "./TestDaemon.js"

// For the pre-routes (http/*FastPath.ts): two servers over one database, `fast` with the pre-route and `app`
// without, so that each request can be sent to both and the answers compared.

const portOf = (context: Context.Context<HttpServer.HttpServer>) => {
  const address = Context.get(context, HttpServer.HttpServer).address
  return address._tag === "TcpAddress" ? address.port : 0
}

/**
 * Both servers, over a database whose master password is TEST_PASSWORD; `claimed` lists the `x-case` header
 * of every request the pre-route answered, and `admin` sends a request to the app with that password.
 */
export const twoServers = <E, R>(makePreRoute: Effect.Effect<PreRoute, E, R>) =>
  Effect.gen(function*() {
    yield* ensureMasterPassword(Redacted.make(TEST_PASSWORD))
    const claimed: Array<string> = []
    const preRoute = yield* makePreRoute
    const counting: PreRoute = (request, response) => {
      const took = preRoute(request, response)
      if (took) claimed.push(String(request.headers["x-case"]))
      return took
    }
    const serverWith = (options: { readonly preRoute?: PreRoute }) =>
      Layer.fresh(HttpAppLive).pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createHttpServer(options), { port: 0, host: "127.0.0.1" }))
      )
    const fast = yield* Layer.build(serverWith({ preRoute: counting }))
    const app = yield* Layer.build(serverWith({}))
    const appPort = portOf(app)
    const admin = (request: RawRequest) =>
      rawRequest(appPort, { ...request, headers: { "x-master-password": TEST_PASSWORD, ...request.headers } })
    return { claimed, fastPort: portOf(fast), appPort, admin }
  })

/** The SQLite stack in a temp data dir, removed with the scope; request lines are not logged. */
export const TempSqliteStack = Layer.unwrapScoped(Effect.gen(function*() {
  const dataDir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "waiaas-preroute-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  return SqliteStack({ settings: settingsFor(dataDir), argon2: testArgon2Params })
})).pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)))

/** What must be equal between the two answers: everything but the request id, which must be the header's. */
export const comparable = (answer: RawResponse) => {
  const requestId = answer.headers["x-request-id"]
  if (typeof requestId !== "string") throw new Error("answer without x-request-id")
  if (answer.status >= 400 && answer.json?.requestId !== requestId) throw new Error("body and header request ids differ")
  const { requestId: _, ...body } = answer.json ?? {}
  return {
    status: answer.status,
    body,
    contentType: answer.headers["content-type"],
    nosniff: answer.headers["x-content-type-options"],
    cacheControl: answer.headers["cache-control"],
    retryAfter: answer.headers["retry-after"],
    contentLength: answer.headers["content-length"] === undefined ? undefined : "present"
  }
}
