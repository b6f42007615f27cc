import { nowSeconds } from "@waiaas/domain"
import { Context, Duration, Effect, Either, Layer, Option, Queue, Redacted, Ref } from "effect"
import { DaemonClient, type RenewError, type TokenRejected } from "./DaemonClient.js"
import {
  NO_TOKEN_POLL_SECONDS,
  renewalDueAt,
  retryDelaySeconds,
  tooEarlyDelaySeconds
} from "./RenewalSchedule.js"
import { ServerConfig } from "./ServerConfig.js"
import { TokenFile } from "./TokenFile.js"
import { decodeTokenPayload } from "./TokenPayload.js"
import { type ActiveToken, TokenState } from "./TokenState.js"
import { describeWireError } from "./WireError.js"

/**
 * The session token this server calls the daemon with, as a small state machine (see TokenState):
 * read from the token file, renewed at 60% of its TTL, replaced when the daemon wrote a newer one, and
 * re-read every few seconds while there is none. The daemon is the file's only writer; we never write it.
 */
export class TokenSource extends Context.Tag("waiaas-mcp/TokenSource")<TokenSource, {
  /** Where things stand, without any IO. */
  readonly state: Effect.Effect<TokenState>
  /** The token to call with. With none (or an expired one), the file is re-read first: provisioning heals at once. */
  readonly current: Effect.Effect<TokenState>
  /**
   * The daemon answered 401 to `token`: the file is re-read (once) for a newer one. Active means "retry
   * with this token"; a token the daemon refused is never used again, even while the file still holds it.
   */
  readonly rejected: (token: Redacted.Redacted<string>, error: TokenRejected) => Effect.Effect<TokenState>
  /** Reads the file, then renews on schedule and polls the file while there is no token. Never returns. */
  readonly run: Effect.Effect<never>
}>() {}

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString()

const sameToken = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>): boolean =>
  Redacted.value(a) === Redacted.value(b)

export const makeTokenSource = Effect.gen(function*() {
  const config = yield* ServerConfig
  const file = yield* TokenFile
  const daemon = yield* DaemonClient
  const path = file.path

  const stateRef = yield* Ref.make<TokenState>(TokenState.NoToken({ reason: `the token file ${path} has not been read yet` }))
  /** One reader or renewer at a time, so that a tool's re-read and a renewal never interleave. */
  const lock = yield* Effect.makeSemaphore(1)
  /** Every state change wakes the scheduler, which then recomputes its next step. */
  const wake = yield* Queue.sliding<void>(1)
  const permissionWarned = yield* Ref.make(false)
  const refused = yield* Ref.make<Option.Option<{ readonly token: Redacted.Redacted<string>; readonly reason: string }>>(
    Option.none()
  )

  const setState = (next: TokenState) =>
    Effect.gen(function*() {
      const previous = yield* Ref.getAndSet(stateRef, next)
      yield* logTransition(previous, next)
      yield* Queue.offer(wake, undefined)
    })

  const logTransition = (previous: TokenState, next: TokenState) => {
    if (next._tag === "NoToken") {
      return previous._tag === "NoToken" && previous.reason === next.reason
        ? Effect.void
        : Effect.logWarning(
          `No valid token for wallet ${config.walletName}: ${next.reason}. ` +
            `Re-reading the token file every ${NO_TOKEN_POLL_SECONDS} s until the daemon provisions one.`
        )
    }
    return previous._tag === "Active" && sameToken(previous.token, next.token)
      ? Effect.void
      : Effect.logInfo(
        `Using the token in ${path}: session ${next.claims.sub}, expires ${iso(next.claims.exp)}, ` +
          `renewal due ${iso(next.renewAt)}.`
      )
  }

  /** What the token file holds now, judged against our clock, our wallet and the tokens the daemon refused. */
  const readFile: Effect.Effect<TokenState> = Effect.gen(function*() {
    const read = yield* file.read
    if (read._tag === "Missing") return TokenState.NoToken({ reason: `there is no token file at ${path}` })
    if (read._tag === "Unreadable") {
      return TokenState.NoToken({ reason: `the token file ${path} cannot be read (${read.reason})` })
    }
    if (Option.isSome(read.permissionWarning) && !(yield* Ref.getAndSet(permissionWarned, true))) {
      yield* Effect.logWarning(read.permissionWarning.value)
    }
    const text = Redacted.value(read.token)
    if (text === "") return TokenState.NoToken({ reason: `the token file ${path} is empty` })
    const decoded = decodeTokenPayload(text)
    if (Either.isLeft(decoded)) {
      return TokenState.NoToken({ reason: `the token file ${path} does not hold a session token: ${decoded.left}` })
    }
    const claims = decoded.right
    if (claims.wlt !== config.walletId) {
      return TokenState.NoToken({ reason: `the token in ${path} is for wallet ${claims.wlt}, not ${config.walletId}` })
    }
    const refusedToken = yield* Ref.get(refused)
    if (Option.isSome(refusedToken) && sameToken(refusedToken.value.token, read.token)) {
      return TokenState.NoToken({ reason: refusedToken.value.reason })
    }
    if ((yield* nowSeconds) >= claims.exp) {
      return TokenState.NoToken({ reason: `the token in ${path} expired at ${iso(claims.exp)}` })
    }
    const current = yield* Ref.get(stateRef)
    if (current._tag === "Active" && sameToken(current.token, read.token)) return current
    return TokenState.Active({ token: read.token, claims, renewAt: renewalDueAt(claims), renewable: true, failures: 0 })
  })

  const reloadUnlocked = Effect.tap(readFile, setState)
  const reload = lock.withPermits(1)(reloadUnlocked)

  const refuse = (token: Redacted.Redacted<string>, error: { readonly message: string; readonly _tag: string }) =>
    Ref.set(refused, Option.some({ token, reason: `the daemon refused the token in ${path} (${describeWireError(error)})` }))

  const current = Effect.gen(function*() {
    const state = yield* Ref.get(stateRef)
    if (state._tag === "Active" && (yield* nowSeconds) < state.claims.exp) return state
    return yield* reload
  })

  const rejected = (token: Redacted.Redacted<string>, error: TokenRejected) =>
    lock.withPermits(1)(Effect.gen(function*() {
      const state = yield* Ref.get(stateRef)
      // Renewed (or re-read) while the call was in flight: the caller retries with the newer token.
      if (state._tag === "Active" && !sameToken(state.token, token)) return state
      yield* Effect.logWarning(`The daemon refused the token (${describeWireError(error)}); re-reading ${path}.`)
      yield* refuse(token, error)
      return yield* reloadUnlocked
    }))

  /** One renewal attempt for `active`, and the state it leads to. */
  const renew = (active: ActiveToken) =>
    lock.withPermits(1)(Effect.gen(function*() {
      const state = yield* Ref.get(stateRef)
      if (state._tag !== "Active" || !sameToken(state.token, active.token)) return
      const result = yield* Effect.either(daemon.renew(active.token, active.claims.sub))
      if (Either.isRight(result)) {
        const renewed = result.right
        const claims = decodeTokenPayload(Redacted.value(renewed.token))
        if (Either.isLeft(claims)) {
          // Cannot happen with our daemon; the file it just rewrote is the next best source.
          yield* Effect.logWarning(`The renewed token cannot be read (${claims.left}); re-reading ${path}.`)
          yield* reloadUnlocked
          return
        }
        yield* Effect.logInfo(`Renewed the token: renewal ${renewed.renewalCount}, expires ${iso(renewed.expiresAt)}.`)
        yield* setState(TokenState.Active({
          token: renewed.token,
          claims: claims.right,
          // Never at once again, whatever the new token says: a renewal is never a hot loop.
          renewAt: Math.max(renewalDueAt(claims.right), (yield* nowSeconds) + 1),
          renewable: true,
          failures: 0
        }))
        return
      }
      yield* onRenewalFailure(active, result.left)
    }))

  const retryLater = (active: ActiveToken, why: string) =>
    Effect.gen(function*() {
      const failures = active.failures + 1
      const delay = retryDelaySeconds(failures)
      yield* Effect.logWarning(`Token renewal failed (${why}); retrying in ${delay} s.`)
      yield* setState(TokenState.Active({ ...active, failures, renewAt: (yield* nowSeconds) + delay }))
    })

  /** The file, if it now holds another valid token; otherwise `orElse`. */
  const newerTokenOr = (active: ActiveToken, orElse: Effect.Effect<void>) =>
    Effect.gen(function*() {
      const fromFile = yield* readFile
      if (fromFile._tag === "Active" && !sameToken(fromFile.token, active.token)) return yield* setState(fromFile)
      return yield* orElse
    })

  const onRenewalFailure = (active: ActiveToken, error: RenewError) => {
    switch (error._tag) {
      case "RenewalTooEarly":
        return Effect.gen(function*() {
          const delay = tooEarlyDelaySeconds(error.details)
          yield* Effect.logInfo(`The daemon says renewal is too early; retrying in ${delay} s.`)
          yield* setState(TokenState.Active({ ...active, renewAt: (yield* nowSeconds) + delay }))
        })
      case "SessionRenewalMismatch":
        // Someone holds a newer token of this session (a renewal or a re-sign): the daemon wrote it to the file.
        return newerTokenOr(active, retryLater(active, describeWireError(error)))
      case "InvalidToken":
      case "TokenExpired":
      case "SessionRevoked":
      case "SessionNotFound":
        return Effect.zipRight(refuse(active.token, error), reloadUnlocked)
      case "RenewalLimitReached":
      case "SessionAbsoluteLifetimeExceeded":
        return newerTokenOr(
          active,
          Effect.gen(function*() {
            yield* Effect.logWarning(
              `The daemon will not renew this token again (${describeWireError(error)}). It works until ` +
                `${iso(active.claims.exp)}; provision a new one before then (POST /v1/mcp/tokens).`
            )
            yield* setState(TokenState.Active({ ...active, renewable: false }))
          })
        )
      case "DaemonUnreachable":
        return retryLater(active, `daemon at ${error.baseUrl} not reachable: ${error.detail}`)
      case "UnexpectedResponse":
        return retryLater(active, error.detail)
      default:
        return retryLater(active, describeWireError(error))
    }
  }

  const sleepOrWake = (seconds: number) =>
    Effect.raceFirst(Effect.sleep(Duration.seconds(seconds)), Queue.take(wake))

  const step = Effect.gen(function*() {
    yield* Queue.takeAll(wake)
    const state = yield* Ref.get(stateRef)
    if (state._tag === "NoToken") {
      yield* sleepOrWake(NO_TOKEN_POLL_SECONDS)
      return yield* reload
    }
    const now = yield* nowSeconds
    if (now >= state.claims.exp) return yield* reload
    const dueAt = state.renewable ? Math.min(state.renewAt, state.claims.exp) : state.claims.exp
    if (now < dueAt) return yield* sleepOrWake(dueAt - now)
    return yield* renew(state)
  })

  // A bug in one step must not end renewals for the life of the process: log it, pause, carry on.
  const guardedStep = step.pipe(
    Effect.catchAllCause((cause) =>
      Effect.zipRight(Effect.logError("Token scheduler step failed", cause), Effect.sleep(Duration.seconds(NO_TOKEN_POLL_SECONDS)))
    )
  )

  const run: Effect.Effect<never> = Effect.zipRight(reload, Effect.forever(guardedStep))

  return TokenSource.of({ state: Ref.get(stateRef), current, rejected, run })
})

export const TokenSourceLive = Layer.effect(TokenSource, makeTokenSource)
