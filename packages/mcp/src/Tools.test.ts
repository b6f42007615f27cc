import { describe, expect, it } from "@effect/vitest"
import { InvalidToken, RouteNotFound, SessionRevoked, Wallet } from "@waiaas/domain"
import { Effect } from "effect"
import { DaemonUnreachable } from "./DaemonClient.js"
import { makeFakeDaemon, makeFakeTokenFile, makeToken, testConfig, tokenSourceLayer, WALLET_ID } from "./testing/Fakes.js"
import { getWallet } from "./Tools.js"

const wallet = new Wallet({
  id: WALLET_ID,
  name: "Trading Bot",
  chain: "solana",
  network: "devnet",
  status: "ACTIVE",
  serverName: "waiaas-trading-bot",
  createdAt: 1,
  updatedAt: 1
})

const first = makeToken({ iat: 0, exp: 1000 })
const second = makeToken({ iat: 10, exp: 1010 })

/** Runs get_wallet against the real TokenSource over a fake file and a fake daemon. */
const setup = (fileContent: string | null) =>
  Effect.gen(function*() {
    const file = yield* makeFakeTokenFile(fileContent)
    const daemon = yield* makeFakeDaemon()
    const callTool = getWallet.run.pipe(Effect.provide(tokenSourceLayer(file.service, daemon.service)))
    return { daemon, callTool }
  })

const textOf = (result: { readonly content: ReadonlyArray<unknown> }) => (result.content[0] as { text: string }).text

const noTokenMessage = (reason: string) =>
  "No valid token for wallet Trading Bot: provision one with `POST /v1/mcp/tokens` (Admin UI → Wallet → Provision " +
  `MCP token, or \`waiaas mcp setup --wallet ${WALLET_ID}\`).\nReason: ${reason}. This server picks up the new ` +
  "token by itself; no restart is needed."

describe("get_wallet", () => {
  it.effect("answers the wallet's id, name, chain, network and status as JSON text", () =>
    Effect.gen(function*() {
      const { callTool, daemon } = yield* setup(first)
      yield* daemon.onWallet(() => Effect.succeed(wallet))
      const result = yield* callTool
      expect(result.isError).toBeUndefined()
      expect(JSON.parse(textOf(result))).toEqual({
        id: WALLET_ID,
        name: "Trading Bot",
        chain: "solana",
        network: "devnet",
        status: "ACTIVE"
      })
    }))

  it.effect("re-provisioning heals a running server: 401, the file re-read once, the retry succeeds", () =>
    Effect.gen(function*() {
      const file = yield* makeFakeTokenFile(first)
      const daemon = yield* makeFakeDaemon()
      yield* daemon.onWallet(() => Effect.succeed(wallet))
      const results = yield* Effect.gen(function*() {
        const before = yield* getWallet.run
        // Re-provisioning: the daemon revokes the old session and writes the new token to the file.
        yield* file.set(second)
        yield* daemon.onWallet((token) =>
          token === first ? Effect.fail(new SessionRevoked({ message: "Session has been revoked" })) : Effect.succeed(wallet)
        )
        const after = yield* getWallet.run
        return [before, after]
      }).pipe(Effect.provide(tokenSourceLayer(file.service, daemon.service)))
      expect(results.map((result) => result.isError)).toEqual([undefined, undefined])
      expect(yield* daemon.walletCalls).toEqual([first, first, second])
    }))

  it.effect("a 401 with no newer token: the no-token message, not a protocol error", () =>
    Effect.gen(function*() {
      const { callTool, daemon } = yield* setup(first)
      yield* daemon.onWallet(() => Effect.fail(new InvalidToken({ message: "Token has been superseded by a newer one" })))
      const result = yield* callTool
      expect(result.isError).toBe(true)
      expect(textOf(result)).toBe(noTokenMessage(
        `the daemon refused the token in ${testConfig.tokenPath} (INVALID_TOKEN: Token has been superseded by a newer one)`
      ))
      expect(yield* daemon.walletCalls).toEqual([first])
    }))

  it.effect("no token file: says how to provision one, without calling the daemon", () =>
    Effect.gen(function*() {
      const { callTool, daemon } = yield* setup(null)
      const result = yield* callTool
      expect(result.isError).toBe(true)
      expect(textOf(result)).toBe(noTokenMessage(`there is no token file at ${testConfig.tokenPath}`))
      expect(yield* daemon.walletCalls).toEqual([])
    }))

  it.effect("daemon down: says so, with the URL", () =>
    Effect.gen(function*() {
      const { callTool, daemon } = yield* setup(first)
      yield* daemon.onWallet(() =>
        Effect.fail(new DaemonUnreachable({ baseUrl: testConfig.baseUrl, detail: "ECONNREFUSED" }))
      )
      const result = yield* callTool
      expect(result.isError).toBe(true)
      expect(textOf(result)).toBe(
        "WAIaaS daemon at http://127.0.0.1:3100 is not reachable — is it running? (ECONNREFUSED)"
      )
    }))

  it.effect("an error the daemon answered: isError with its {code, message, hint}", () =>
    Effect.gen(function*() {
      const { callTool, daemon } = yield* setup(first)
      yield* daemon.onWallet(() => Effect.fail(new RouteNotFound({ message: "No route for GET /v1/wallet" })))
      const result = yield* callTool
      expect(result.isError).toBe(true)
      expect(JSON.parse(textOf(result))).toEqual({
        code: "NOT_FOUND",
        message: "No route for GET /v1/wallet",
        hint: "See /docs for the list of routes."
      })
    }))
})
