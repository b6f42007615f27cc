import { Effect, Option } from "effect"
import type { WalletId } from "./Ids.js"
import type { Session } from "./Session.js"
import { SessionRepo, tokenFieldsOf } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { TokenClaims } from "./Token.js"
import { TokenFiles } from "./TokenFiles.js"
import { TokenSigner } from "./TokenSigner.js"
import type { Redacted } from "effect"
import { WalletLocks } from "./WalletLocks.js"

// The daemon is the only writer of DATA_DIR/mcp-tokens. Every change goes through here, under the wallet's
// lock, and re-checks the database first, so that concurrent provisioning, renewal, rotation, revocation
// and sweeping leave each file holding exactly its wallet's current MCP token, or no file at all.

/**
 * For programs that commit to the database and then change the token directory: once started they run to
 * the end even if their caller is interrupted (an HTTP client that hangs up interrupts its request), so a
 * commit is never left without its file change. What they wait for (a wallet lock, the database) is short.
 */
export const mustFinish = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptible(program)

/**
 * Writes `token` to the wallet's file if `session` is, at this moment, the wallet's active MCP session and
 * `token` is its current token. Returns whether it wrote (false: a newer operation superseded this one).
 */
export const writeTokenFileIfCurrent = Effect.fn("TokenFileSync.writeIfCurrent")(function*(
  session: Session,
  token: Redacted.Redacted<string>
) {
  return yield* (yield* WalletLocks).withLock(session.walletId)(writeTokenFileIfCurrentLocked(session, token))
})

/** `writeTokenFileIfCurrent` for a caller that already holds the wallet's lock (the locks are not reentrant). */
export const writeTokenFileIfCurrentLocked = (session: Session, token: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const files = yield* TokenFiles
    const signer = yield* TokenSigner
    const current = yield* (yield* SessionRepo).findActiveMcp(session.walletId, yield* nowSeconds)
    const isCurrent = Option.isSome(current) && current.value.id === session.id &&
      current.value.tokenHash === signer.fingerprint(token)
    if (!isCurrent) return false
    yield* files.write(session.walletId, token)
    return true
  })

/**
 * Under the wallet's lock: removes the wallet's file unless it holds the current token of the wallet's
 * active MCP session, as the database says now. Returns whether it removed one.
 */
const reconcileTokenFileOf = (walletId: WalletId) =>
  Effect.gen(function*() {
    const files = yield* TokenFiles
    const signer = yield* TokenSigner
    const sessions = yield* SessionRepo
    return yield* (yield* WalletLocks).withLock(walletId)(Effect.gen(function*() {
      const content = yield* files.read(walletId)
      if (Option.isNone(content)) return false
      const active = yield* sessions.findActiveMcp(walletId, yield* nowSeconds)
      if (Option.isSome(active) && signer.fingerprint(content.value) === active.value.tokenHash) return false
      yield* files.remove(walletId)
      return true
    }))
  })

/**
 * After `session` was revoked or expired: removes the wallet's file unless it holds a newer session's token.
 * Judged against the database under the lock, not against the hash the caller read before revoking: a
 * renewal that committed in between has written its new token for this very session, and that file must
 * go too.
 */
export const removeTokenFileOf = Effect.fn("TokenFileSync.removeOf")(function*(session: Session) {
  return yield* reconcileTokenFileOf(session.walletId)
})

/** Removes the wallet's file whatever it holds (the wallet has no MCP session any more). */
export const removeTokenFile = Effect.fn("TokenFileSync.remove")(function*(walletId: WalletId) {
  const files = yield* TokenFiles
  yield* (yield* WalletLocks).withLock(walletId)(files.remove(walletId))
})

export type TokenFileState = "missing" | "matches" | "mismatch"

/** Whether the wallet's file is on disk and holds this session's current token. */
export const tokenFileState = Effect.fn("TokenFileSync.state")(function*(session: Session) {
  const content = yield* (yield* TokenFiles).read(session.walletId)
  if (Option.isNone(content)) return "missing" as TokenFileState
  return ((yield* TokenSigner).fingerprint(content.value) === session.tokenHash ? "matches" : "mismatch") as TokenFileState
})

/**
 * Makes the token directory agree with the sessions table: a file whose wallet has no active MCP session,
 * or that holds anything but that session's current token, is removed. Returns how many were removed.
 */
export const reconcileTokenFiles = Effect.fn("TokenFileSync.reconcile")(function*() {
  let removed = 0
  for (const walletId of yield* (yield* TokenFiles).list) {
    if (yield* reconcileTokenFileOf(walletId)) removed++
  }
  return removed
})

/**
 * Signs a fresh token for an active MCP session — same session, same issue and expiry times, so renewal
 * timing is unchanged — stores its hash (compare-and-set) and writes it to the wallet's file. Used after a
 * secret rotation, and at start to repair a file a crash left stale. If the file cannot be written the old
 * hash is put back, so the token in the old file keeps working. Returns whether it reissued.
 */
export const reissueTokenFile = Effect.fn("TokenFileSync.reissue")(function*(session: Session) {
  const files = yield* TokenFiles
  const signer = yield* TokenSigner
  const sessions = yield* SessionRepo
  return yield* (yield* WalletLocks).withLock(session.walletId)(Effect.gen(function*() {
    // `session` was read before the lock: a provisioning may have replaced it since (and written its own
    // file), which this must then leave alone. A renewal that finished first fails the compare-and-set.
    const current = yield* sessions.findActiveMcp(session.walletId, yield* nowSeconds)
    if (Option.isNone(current) || current.value.id !== session.id) return false
    const token = yield* signer.sign(
      new TokenClaims({ sub: session.id, wlt: session.walletId, iat: session.issuedAt, exp: session.expiresAt })
    )
    const tokenHash = signer.fingerprint(token)
    if (!(yield* sessions.replaceToken(session.id, session.tokenHash, { ...tokenFieldsOf(session), tokenHash }))) {
      return false
    }
    return yield* files.write(session.walletId, token).pipe(
      Effect.as(true),
      Effect.catchTag("TokenFileWriteFailed", (error) =>
        sessions.replaceToken(session.id, tokenHash, tokenFieldsOf(session)).pipe(
          Effect.zipRight(Effect.logWarning("Could not rewrite a token file").pipe(
            Effect.annotateLogs({ walletId: session.walletId, reason: error.message })
          )),
          Effect.as(false)
        ))
    )
  }))
})

/**
 * Whether the session's file needs a fresh token: it is missing or stale, or it still holds a token signed
 * before the last secret rotation (the rotation was killed, or could not write it), which stops working
 * when the grace window ends.
 */
const needsReissue = (session: Session) =>
  Effect.gen(function*() {
    const content = yield* (yield* TokenFiles).read(session.walletId)
    const signer = yield* TokenSigner
    if (Option.isNone(content) || signer.fingerprint(content.value) !== session.tokenHash) return true
    return !(yield* signer.signedWithCurrentSecret(content.value))
  })

/**
 * At start, after a crash or a kill, and every minute: every active MCP session whose file is missing,
 * stale or signed with the previous secret gets a freshly signed token written (the token itself is never
 * stored, so it cannot be rewritten as it was), then every file that belongs to no active MCP session is
 * removed.
 */
export const repairTokenFiles = Effect.fn("TokenFileSync.repair")(function*() {
  let reissued = 0
  for (const session of yield* (yield* SessionRepo).listActiveMcp(yield* nowSeconds)) {
    if ((yield* needsReissue(session)) && (yield* reissueTokenFile(session))) reissued++
  }
  const removed = yield* reconcileTokenFiles()
  return { reissued, removed }
})
