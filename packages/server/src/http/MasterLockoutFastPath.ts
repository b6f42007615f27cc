import { HttpApi } from "@effect/platform"
import { Api, MasterAuth, type MasterPasswordLocked, refuseWhileLocked } from "@waiaas/domain"
import { Clock, Effect, Either, Runtime } from "effect"
import type * as http from "node:http"
import { declaredErrorAnswer } from "./ErrorResponse.js"
import type { PreRoute } from "./NodeServer.js"
import { answerDirectly, isAllowedHost, pathOf, requestIdFrom } from "./RequestPolicy.js"

/** `GET /v1/wallets/:id` as a matcher of request paths (no query string). */
const pathMatcher = (template: string): RegExp =>
  new RegExp(`^${template.split("/").map((segment) => segment.startsWith(":") ? "[^/]+" : escape(segment)).join("/")}$`)

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Method and path of every endpoint behind masterAuth, read off the contract. */
const masterRoutes = (): ReadonlyArray<{ readonly method: string; readonly path: RegExp }> => {
  const routes: Array<{ readonly method: string; readonly path: RegExp }> = []
  HttpApi.reflect(Api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, middleware }) => {
      if ((middleware as ReadonlySet<unknown>).has(MasterAuth)) routes.push({ method: endpoint.method, path: pathMatcher(endpoint.path) })
    }
  })
  return routes
}

/**
 * While masterAuth is locked out (MasterPasswordThrottle), a request to a masterAuth route that presents a
 * master password is refused with the 429 masterAuth gives, before the HTTP app and before its body is read
 * or checked (size, JSON depth): only the Host guard comes first. A flood of guesses then costs a few
 * microseconds each instead of a trip through HttpApi, and leaves the CPU to the agents. Otherwise (not
 * locked, another route, no header) the request goes on as usual, where masterAuth, which runs ahead of any
 * decoding, gives the same 429; a test holds both paths to the same answers.
 */
export const makeMasterLockoutFastPath = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<Effect.Effect.Context<typeof refuseWhileLocked>>()
  const lockout = () => Runtime.runSync(runtime)(Effect.either(refuseWhileLocked))
  const run = Runtime.runCallback(runtime)
  const routes = masterRoutes()

  const refuse = (request: http.IncomingMessage, response: http.ServerResponse, locked: MasterPasswordLocked) => {
    const requestId = requestIdFrom(request.headers["x-request-id"] as string | undefined)
    run(Effect.flatMap(Clock.currentTimeMillis, (startedAt) =>
      answerDirectly(request, response, declaredErrorAnswer(locked, requestId), requestId, startedAt)))
  }

  return ((request, response) => {
    if (request.headers["x-master-password"] === undefined || !isAllowedHost(request.headers.host)) return false
    if (Array.isArray(request.headers["x-request-id"])) return false
    const path = pathOf(request.url ?? "")
    if (!routes.some((route) => route.method === request.method && route.path.test(path))) return false
    const locked = lockout()
    if (Either.isRight(locked)) return false
    refuse(request, response, locked.left)
    return true
  }) satisfies PreRoute
})
