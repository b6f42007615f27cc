import { HttpApiBuilder, HttpApiSwagger, HttpMiddleware } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Api } from "@waiaas/domain"
import { Effect, FiberRef, Layer } from "effect"
import { AdminLive } from "../handlers/Admin.js"
import { AgentLive } from "../handlers/Agent.js"
import { HealthLive } from "../handlers/Health.js"
import { McpLive } from "../handlers/Mcp.js"
import { RenewalLive } from "../handlers/Renewal.js"
import { SessionsLive } from "../handlers/Sessions.js"
import { WalletsLive } from "../handlers/Wallets.js"
import { MasterAuthLive, RenewalAuthLive, SessionAuthLive } from "./Auth.js"
import { createHttpServer } from "./NodeServer.js"
import { withRequestPolicy } from "./RequestPolicy.js"
import { makeMasterLockoutFastPath } from "./MasterLockoutFastPath.js"
import { makeProvisioningFastPath } from "./ProvisioningFastPath.js"
import { makeSessionFastPath } from "./SessionFastPath.js"

/** The contract, implemented: every group's handlers and both auth middlewares. Needs the domain ports. */
export const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([HealthLive, WalletsLive, SessionsLive, RenewalLive, McpLive, AdminLive, AgentLive]),
  Layer.provide([MasterAuthLive, SessionAuthLive, RenewalAuthLive])
)

/**
 * The HTTP app: API, request policy, OpenAPI and offline Swagger UI. Needs an HttpServer and the ports.
 * Tracing is off while serving (every span, the HTTP ones and those of Effect.fn alike, is a no-op): spans
 * cost more per request than the work of most routes, and nothing collects them.
 */
export const HttpAppLive = HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  withRequestPolicy,
  Layer.provide(ApiLive),
  HttpMiddleware.withTracerDisabledWhen(() => true),
  Layer.locally(FiberRef.currentTracerEnabled, false)
)

/**
 * The node:http server the app runs on, with three kinds of request answered before it, in this order:
 * GET /v1/session (SessionFastPath), POST /v1/mcp/tokens (ProvisioningFastPath, which answers a lockout's
 * 429 itself) and master-password guesses on other routes during a lockout (MasterLockoutFastPath).
 */
export const HttpServerLive = (listen: { readonly port: number; readonly host: string }) =>
  Layer.unwrapEffect(Effect.map(
    Effect.all([makeSessionFastPath, makeMasterLockoutFastPath, makeProvisioningFastPath]),
    ([session, lockout, provisioning]) =>
      NodeHttpServer.layer(() =>
        createHttpServer({
          preRoute: (request, response) =>
            session(request, response) || provisioning(request, response) || lockout(request, response)
        }), listen)
  ))
