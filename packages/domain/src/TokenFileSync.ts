import { Effect, Exit, Option } from "effect"
import type { Redacted } from "effect"
import type { WalletId } from "./Ids.js"
import type { Session } from "./Session.js"
import { SessionRepo, tokenFieldsOf } from "./SessionRepo.js"
import { nowSeconds } from "./Time.js"
import { TokenClaims } from "./Token.js"
import { TokenFileRepairs } from "./TokenFileRepairs.js"
import { TokenFiles } from "./TokenFiles.js"
import { TokenSigner } from "./TokenSigner.js"
import { WalletLocks } from "./WalletLocks.js"

// The daemon is the only writer of DATA_DIR/mcp-tokens. Every change goes through here, under the wallet's
// lock, and re-checks the database first, so that concurrent provisioning, renewal, rotation, revocation
// and sweeping leave each file holding exactly its wallet's current MCP token, or no file at all. A change
// that does not succeed marks its wallet in TokenFileRepairs, and the periodic maintenance re-checks it.

/**
 * For programs that commit to the database and then change the token directory: once started they run to
 * the end even if their caller is interrupted (an HTTP client that hangs up interrupts its request), so a
 * commit is never left without its file change. What they wait for (a wallet lock, the database) is short.
 */
export const mustFinish = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptible(program)

const markForRepair = (walletId: WalletId) => Effect.flatMap(TokenFileRepairs, (repairs) => repairs.mark(walletId))

/**
 * Whatever went wrong in a wallet's file work (a full disk, a defect), the wallet is marked: the next
 * maintenance run re-checks it, and finds nothing to do if the caller undid its change.
 */
const markedUnlessDone = (walletId: WalletId) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.onExit(effect, (exit) => Exit.isSuccess(exit) ? Effect.void : markForRepair(walletId))

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
  }).pipe(markedUnlessDone(session.walletId))

/** Removes the wallet's file (the caller holds its lock). One that cannot be removed is logged and marked. */
const removeLocked = (walletId: WalletId) =>
  Effect.flatMap(TokenFiles, (files) => files.remove(walletId)).pipe(
    Effect.as(true),
    Effect.catchTag("TokenFileRemoveFailed", (error) =>
      Effect.logWarning("Could not remove a token file; it is retried later").pipe(
        Effect.annotateLogs({ walletId, code: error.code }),
        Effect.zipRight(markForRepair(walletId)),
        Effect.as(false)
      ))
  )

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
      const removed = yield* removeLocked(walletId)
      // An active session left without its file: the next maintenance run signs it a fresh token.
      if (removed && Option.isSome(active)) yield* markForRepair(walletId)
      return removed
    }))
  }).pipe(markedUnlessDone(walletId))

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
  yield* (yield* WalletLocks).withLock(walletId)(removeLocked(walletId)).pipe(markedUnlessDone(walletId))
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
 * One query for every active MCP session; only the files that disagree with it are re-checked, under
 * their wallet's lock, before they go.
 */
export const reconcileTokenFiles = Effect.fn("TokenFileSync.reconcile")(function*() {
  const files = yield* TokenFiles
  const signer = yield* TokenSigner
  const owners = new Map(
    (yield* (yield* SessionRepo).listActiveMcp(yield* nowSeconds)).map((session) => [session.walletId, session.tokenHash])
  )
  let removed = 0
  for (const walletId of yield* files.list) {
    const owner = owners.get(walletId)
    if (owner !== undefined) {
      const content = yield* files.read(walletId)
      if (Option.isSome(content) && signer.fingerprint(content.value) === owner) continue
    }
    if (yield* reconcileTokenFileOf(walletId)) removed++
  }
  return removed
})

/**
 * Signs a fresh token for `session` — same session, same issue and expiry times, so renewal timing is
 * unchanged — stores its hash (compare-and-set against `session.tokenHash`) and writes it to the wallet's
 * file; the caller holds the wallet's lock. If the file cannot be written the old hash is put back, so the
 * token in the old file keeps working. Returns whether it reissued; when not, the wallet is marked.
 */
const reissueLocked = (session: Session) =>
  Effect.gen(function*() {
    const files = yield* TokenFiles
    const signer = yield* TokenSigner
    const sessions = yield* SessionRepo
    const token = yield* signer.sign(
      new TokenClaims({ sub: session.id, wlt: session.walletId, iat: session.issuedAt, exp: session.expiresAt })
    )
    const tokenHash = signer.fingerprint(token)
    if (!(yield* sessions.replaceToken(session.id, session.tokenHash, { ...tokenFieldsOf(session), tokenHash }))) {
      // A renewal committed first: it writes its own file, or undoes itself; the next run checks which.
      yield* markForRepair(session.walletId)
      return false
    }
    return yield* files.write(session.walletId, token).pipe(
      Effect.as(true),
      Effect.catchTag("TokenFileWriteFailed", (error) =>
        sessions.replaceToken(session.id, tokenHash, tokenFieldsOf(session)).pipe(
          Effect.zipRight(Effect.logWarning("Could not rewrite a token file").pipe(
            Effect.annotateLogs({ walletId: session.walletId, reason: error.message })
          )),
          Effect.zipRight(markForRepair(session.walletId)),
          Effect.as(false)
        ))
    )
  })

/**
 * Re-signs an active MCP session's token and rewrites its file (see `reissueLocked`). Used after a secret
 * rotation. Returns whether it reissued.
 */
export const reissueTokenFile = Effect.fn("TokenFileSync.reissue")(function*(session: Session) {
  const sessions = yield* SessionRepo
  return yield* (yield* WalletLocks).withLock(session.walletId)(Effect.gen(function*() {
    // `session` was read before the lock: a provisioning may have replaced it since (and written its own
    // file), which this must then leave alone. A renewal that finished first fails the compare-and-set.
    const current = yield* sessions.findActiveMcp(session.walletId, yield* nowSeconds)
    if (Option.isNone(current) || current.value.id !== session.id) return false
    return yield* reissueLocked(session)
  })).pipe(markedUnlessDone(session.walletId))
})

type Verdict = "keep" | "reissue" | "remove"

/**
 * What the wallet's file needs, given its content and the wallet's active MCP session: none, a fresh token
 * (missing or stale, or signed before the last secret rotation — the rotation was killed, or could not
 * write it — which stops working when the grace window ends), or to go. `rotated`: whether the secret was
 * ever rotated; if not, every token was signed with the current one, and the signature check is skipped.
 */
const verdictOn = (
  content: Option.Option<Redacted.Redacted<string>>,
  active: Option.Option<Session>,
  rotated = true
): Effect.Effect<Verdict, never, TokenSigner> =>
  Effect.gen(function*() {
    if (Option.isNone(active)) return Option.isNone(content) ? "keep" : "remove"
    if (Option.isNone(content)) return "reissue"
    const signer = yield* TokenSigner
    if (signer.fingerprint(content.value) !== active.value.tokenHash) return "reissue"
    if (!rotated) return "keep"
    return (yield* signer.signedWithCurrentSecret(content.value)) ? "keep" : "reissue"
  })

type RepairOutcome = "kept" | "reissued" | "removed" | "failed"

/**
 * Under the wallet's lock, judged against the database now: the file of an active MCP session that needs
 * a fresh token gets one (the token itself is never stored, so it cannot be rewritten as it was), a file
 * without an active MCP session is removed. The wallet's mark is cleared unless that failed (then it
 * stays marked for the next run).
 */
const repairTokenFileOf = (walletId: WalletId) =>
  Effect.gen(function*() {
    const files = yield* TokenFiles
    const sessions = yield* SessionRepo
    const repairs = yield* TokenFileRepairs
    return yield* (yield* WalletLocks).withLock(walletId)(Effect.gen(function*() {
      const active = yield* sessions.findActiveMcp(walletId, yield* nowSeconds)
      const verdict = yield* verdictOn(yield* files.read(walletId), active)
      const outcome: RepairOutcome = verdict === "keep"
        ? "kept"
        : Option.isNone(active)
        ? ((yield* removeLocked(walletId)) ? "removed" : "failed")
        : ((yield* reissueLocked(active.value)) ? "reissued" : "failed")
      if (outcome !== "failed") yield* repairs.clear(walletId)
      return outcome
    }))
  }).pipe(markedUnlessDone(walletId))

const repairEach = (walletIds: Iterable<WalletId>) =>
  Effect.gen(function*() {
    let reissued = 0
    let removed = 0
    for (const walletId of walletIds) {
      const outcome = yield* repairTokenFileOf(walletId)
      if (outcome === "reissued") reissued++
      else if (outcome === "removed") removed++
    }
    return { reissued, removed }
  })

/** Files read at once by the full repair: enough to keep the disk busy, few enough to stay small. */
const READ_CONCURRENCY = 16

/**
 * The whole token directory against the sessions table, after a crash or a kill (or a maintenance run that
 * did not finish): every active MCP session whose file is missing, stale or signed with the previous
 * secret gets a freshly signed token written, every file that belongs to no active MCP session is removed.
 * One query for every active MCP session and one directory listing, compared in memory (each file read
 * once); only what disagrees is re-checked and fixed under its wallet's lock, with the marked wallets.
 */
export const repairTokenFiles = Effect.fn("TokenFileSync.repair")(function*() {
  const files = yield* TokenFiles
  const rotated = Option.isSome(yield* (yield* TokenSigner).lastRotatedAt)
  const active = yield* (yield* SessionRepo).listActiveMcp(yield* nowSeconds)
  const orphans = new Set(yield* files.list)
  const suspects = new Set(yield* (yield* TokenFileRepairs).pending)
  yield* Effect.forEach(active, (session) => {
    if (!orphans.delete(session.walletId)) {
      suspects.add(session.walletId)
      return Effect.void
    }
    return files.read(session.walletId).pipe(
      Effect.flatMap((content) => verdictOn(content, Option.some(session), rotated)),
      Effect.map((verdict) => {
        if (verdict !== "keep") suspects.add(session.walletId)
      })
    )
  }, { concurrency: READ_CONCURRENCY, discard: true })
  for (const walletId of orphans) suspects.add(walletId)
  return yield* repairEach(suspects)
})

/**
 * Every minute: only the wallets marked because a change to their file did not succeed (a file that could
 * not be written or removed, a rotation's re-signed token that could not be stored), once the disk lets us.
 */
export const repairMarkedTokenFiles = Effect.fn("TokenFileSync.repairMarked")(function*() {
  return yield* repairEach(yield* (yield* TokenFileRepairs).pending)
})
