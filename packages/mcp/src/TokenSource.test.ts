import { describe, expect, it } from "@effect/vitest"
import {
  InvalidToken,
  RenewalLimitReached,
  RenewalTooEarly,
  SessionRenewalMismatch,
  SessionRevoked
} from "@waiaas/domain"
import { Effect, Logger, Redacted, TestClock } from "effect"
import { DaemonUnreachable, type RenewedToken } from "./DaemonClient.js"
import { SESSION_ID, makeFakeDaemon, makeFakeTokenFile, makeToken, OTHER_WALLET_ID, testConfig } from "./testing/Fakes.js"
import { ServerConfig } from "./ServerConfig.js"
import { DaemonClient } from "./DaemonClient.js"
import { TokenFile } from "./TokenFile.js"
import { makeTokenSource } from "./TokenSource.js"
import type { TokenState } from "./TokenState.js"

/** The real TokenSource over a fake token file and a fake daemon; the clock is the TestClock (t = 0). */
const setup = (initialFile: string | null, permissionWarning?: string) =>
  Effect.gen(function*() {
    const file = yield* makeFakeTokenFile(initialFile, permissionWarning)
    const daemon = yield* makeFakeDaemon()
    const tokens = yield* makeTokenSource.pipe(
      Effect.provideService(TokenFile, file.service),
      Effect.provideService(DaemonClient, daemon.service),
      Effect.provideService(ServerConfig, testConfig)
    )
    return { file, daemon, tokens }
  })

/** Lets forked fibers run to their next sleep after the clock moved. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)
const advance = (seconds: number) => Effect.zipRight(TestClock.adjust(`${seconds} seconds`), settle)

const tokenOf = (state: TokenState): string | undefined => state._tag === "Active" ? Redacted.value(state.token) : undefined

const renewedTo = (token: string, expiresAt: number, renewalCount = 1): RenewedToken => ({
  id: SESSION_ID,
  token: Redacted.make(token),
  expiresAt,
  renewalCount
})

describe("TokenSource", () => {
  it.effect("reads the token file when it starts, and renews at 60% of the token's TTL, not before", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const second = makeToken({ iat: 600, exp: 1600 })
      const third = makeToken({ iat: 1200, exp: 2200 })
      const { daemon, tokens } = yield* setup(first)
      yield* daemon.onRenew((token) => Effect.succeed(token === first ? renewedTo(second, 1600) : renewedTo(third, 2200, 2)))
      yield* Effect.fork(tokens.run)
      yield* settle
      expect(tokenOf(yield* tokens.state)).toBe(first)

      yield* advance(599)
      expect(yield* daemon.renewCalls).toEqual([])
      yield* advance(1)
      expect(yield* daemon.renewCalls).toEqual([first])
      expect(tokenOf(yield* tokens.state)).toBe(second)

      // The next renewal is 60% into the new token's life: 600 + 600 = 1200.
      yield* advance(599)
      expect((yield* daemon.renewCalls).length).toBe(1)
      yield* advance(1)
      expect(yield* daemon.renewCalls).toEqual([first, second])
      expect(tokenOf(yield* tokens.state)).toBe(third)
    }))

  it.effect("RENEWAL_TOO_EARLY: retries after details.retryAfter seconds", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const { daemon, tokens } = yield* setup(first)
      yield* daemon.onRenew(() =>
        Effect.fail(new RenewalTooEarly({ message: "too early", details: { retryAfter: 120, renewableAt: 720 } }))
      )
      yield* Effect.fork(tokens.run)
      yield* advance(600)
      expect((yield* daemon.renewCalls).length).toBe(1)
      yield* daemon.onRenew(() => Effect.succeed(renewedTo(makeToken({ iat: 720, exp: 1720 }), 1720)))
      yield* advance(119)
      expect((yield* daemon.renewCalls).length).toBe(1)
      yield* advance(1)
      expect((yield* daemon.renewCalls).length).toBe(2)
      const state = yield* tokens.state
      expect(state._tag === "Active" && state.claims.iat).toBe(720)
    }))

  it.effect("SESSION_RENEWAL_MISMATCH: adopts the newer token the daemon wrote to the file", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const resigned = makeToken({ iat: 500, exp: 1000, nonce: "resigned" })
      const { daemon, file, tokens } = yield* setup(first)
      yield* daemon.onRenew(() => Effect.fail(new SessionRenewalMismatch({ message: "not current" })))
      yield* Effect.fork(tokens.run)
      yield* settle
      yield* file.set(resigned)
      yield* advance(600)
      expect(tokenOf(yield* tokens.state)).toBe(resigned)
    }))

  it.effect("a revoked session: no token until the file holds another one, which is picked up within 5 s", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const { daemon, file, tokens } = yield* setup(first)
      yield* daemon.onRenew(() => Effect.fail(new SessionRevoked({ message: "Session has been revoked" })))
      yield* Effect.fork(tokens.run)
      yield* advance(600)
      const state = yield* tokens.state
      expect(state._tag).toBe("NoToken")
      expect(state._tag === "NoToken" && state.reason).toBe(
        `the daemon refused the token in ${testConfig.tokenPath} (SESSION_REVOKED: Session has been revoked)`
      )
      // The file still holds the refused token: it stays refused however often it is re-read.
      yield* advance(30)
      expect((yield* tokens.state)._tag).toBe("NoToken")

      const provisioned = makeToken({ iat: 630, exp: 2630 })
      yield* file.set(provisioned)
      yield* advance(5)
      expect(tokenOf(yield* tokens.state)).toBe(provisioned)
    }))

  it.effect("RENEWAL_LIMIT_REACHED: keeps using the token until it expires, without asking again", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const { daemon, tokens } = yield* setup(first)
      yield* daemon.onRenew(() => Effect.fail(new RenewalLimitReached({ message: "renewed 12 times (max: 12)" })))
      yield* Effect.fork(tokens.run)
      yield* advance(600)
      let state = yield* tokens.state
      expect(state._tag === "Active" && state.renewable).toBe(false)
      yield* advance(399)
      expect((yield* daemon.renewCalls).length).toBe(1)
      expect(tokenOf(yield* tokens.state)).toBe(first)
      yield* advance(1)
      state = yield* tokens.state
      expect(state._tag === "NoToken" && state.reason).toBe(
        `the token in ${testConfig.tokenPath} expired at 1970-01-01T00:16:40.000Z`
      )
    }))

  it.effect("daemon unreachable: retries after 1, 2, 4 … seconds, then renews", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const { daemon, tokens } = yield* setup(first)
      yield* daemon.onRenew(() =>
        Effect.fail(new DaemonUnreachable({ baseUrl: testConfig.baseUrl, detail: "ECONNREFUSED" }))
      )
      yield* Effect.fork(tokens.run)
      yield* advance(600)
      expect((yield* daemon.renewCalls).length).toBe(1)
      yield* advance(1)
      expect((yield* daemon.renewCalls).length).toBe(2)
      yield* advance(1)
      expect((yield* daemon.renewCalls).length).toBe(2)
      yield* advance(1)
      expect((yield* daemon.renewCalls).length).toBe(3)
      yield* daemon.onRenew(() => Effect.succeed(renewedTo(makeToken({ iat: 607, exp: 1607 }), 1607)))
      yield* advance(4)
      expect((yield* daemon.renewCalls).length).toBe(4)
      const state = yield* tokens.state
      expect(state._tag === "Active" && state.failures).toBe(0)
    }))

  it.effect("no token file: re-reads it every 5 s, and picks up a provisioned token without a tool call", () =>
    Effect.gen(function*() {
      const { file, tokens } = yield* setup(null)
      yield* Effect.fork(tokens.run)
      yield* settle
      const state = yield* tokens.state
      expect(state._tag === "NoToken" && state.reason).toBe(`there is no token file at ${testConfig.tokenPath}`)
      const readsBefore = yield* file.reads
      yield* advance(5)
      expect(yield* file.reads).toBe(readsBefore + 1)
      yield* file.set(makeToken({ iat: 5, exp: 1005 }))
      yield* advance(5)
      expect((yield* tokens.state)._tag).toBe("Active")
    }))

  it.effect("current re-reads the file at once while there is no token (a tool call heals immediately)", () =>
    Effect.gen(function*() {
      const { file, tokens } = yield* setup(null)
      expect((yield* tokens.current)._tag).toBe("NoToken")
      const token = makeToken({ iat: 0, exp: 1000 })
      yield* file.set(token)
      expect(tokenOf(yield* tokens.current)).toBe(token)
    }))

  it.effect("a 401 on a tool call: the file is re-read once; a newer token is used, the refused one never again", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const { file, tokens } = yield* setup(first)
      expect(tokenOf(yield* tokens.current)).toBe(first)

      const afterRejection = yield* tokens.rejected(Redacted.make(first), new InvalidToken({ message: "Token has been superseded" }))
      expect(afterRejection._tag === "NoToken" && afterRejection.reason).toContain("INVALID_TOKEN: Token has been superseded")
      expect((yield* tokens.current)._tag).toBe("NoToken")

      const reprovisioned = makeToken({ iat: 10, exp: 1010 })
      yield* file.set(reprovisioned)
      expect(tokenOf(yield* tokens.current)).toBe(reprovisioned)
    }))

  it.effect("a 401 for a token that was already replaced just hands out the newer one", () =>
    Effect.gen(function*() {
      const first = makeToken({ iat: 0, exp: 1000 })
      const second = makeToken({ iat: 600, exp: 1600 })
      const { daemon, tokens } = yield* setup(first)
      yield* daemon.onRenew(() => Effect.succeed(renewedTo(second, 1600)))
      yield* Effect.fork(tokens.run)
      yield* advance(600)
      const state = yield* tokens.rejected(Redacted.make(first), new InvalidToken({ message: "superseded" }))
      expect(tokenOf(state)).toBe(second)
    }))

  it.effect("refuses an expired token, one for another wallet, and a file that is not a token", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(2000 * 1000)
      const expired = yield* setup(makeToken({ iat: 0, exp: 1000 }))
      const state1 = yield* expired.tokens.current
      expect(state1._tag === "NoToken" && state1.reason).toBe(
        `the token in ${testConfig.tokenPath} expired at 1970-01-01T00:16:40.000Z`
      )
      const foreign = yield* setup(makeToken({ iat: 1500, exp: 9000, wlt: OTHER_WALLET_ID }))
      const state2 = yield* foreign.tokens.current
      expect(state2._tag === "NoToken" && state2.reason).toBe(
        `the token in ${testConfig.tokenPath} is for wallet ${OTHER_WALLET_ID}, not ${testConfig.walletId}`
      )
      const garbage = yield* setup("hello")
      const state3 = yield* garbage.tokens.current
      expect(state3._tag === "NoToken" && state3.reason).toBe(
        `the token file ${testConfig.tokenPath} does not hold a session token: it does not start with "wai_sess_"`
      )
    }))

  it.effect("warns once about an unsafe token file, and never logs a token", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
        lines.push(Array.isArray(message) ? message.join(" ") : String(message))
      }))
      const first = makeToken({ iat: 0, exp: 1000 })
      const second = makeToken({ iat: 600, exp: 1600 })
      yield* Effect.gen(function*() {
        const { daemon, tokens } = yield* setup(first, "Warning: the token file is not private")
        yield* daemon.onRenew(() => Effect.succeed(renewedTo(second, 1600)))
        yield* Effect.fork(tokens.run)
        yield* advance(600)
        yield* tokens.rejected(Redacted.make(second), new InvalidToken({ message: "superseded" }))
        yield* advance(60)
      }).pipe(Effect.provide(capture))
      expect(lines.filter((line) => line.includes("not private"))).toHaveLength(1)
      expect(lines.some((line) => line.startsWith("Renewed the token"))).toBe(true)
      expect(lines.filter((line) => line.includes("wai_sess_") || line.includes(first.slice(20, 40)))).toEqual([])
    }))
})
