import { Effect, Option } from "effect"
import { DaemonSettings } from "./DaemonSettings.js"
import { RotationTooRecent } from "./Errors.js"
import { Notifier } from "./Notifier.js"
import { SessionRepo } from "./SessionRepo.js"
import { nowSeconds, secondsText } from "./Time.js"
import { mustFinish, reissueTokenFile } from "./TokenFileSync.js"
import { TokenSigner } from "./TokenSigner.js"

/**
 * `POST /v1/admin/rotate-secret`: a new signing secret. The previous one keeps verifying for the grace
 * window, so API clients keep working until it ends; every active MCP session is re-signed at once with
 * the new secret (same session, same issue and expiry times, new hash) and its token file rewritten, so an
 * MCP server that re-reads its file never notices. At most one rotation per grace window.
 */
export const rotateSecret = Effect.fn("SecretRotation.rotate")(function*() {
  const signer = yield* TokenSigner
  const settings = yield* DaemonSettings
  const sessions = yield* SessionRepo
  const now = yield* nowSeconds
  const last = yield* signer.lastRotatedAt
  if (Option.isSome(last) && now < last.value + settings.rotationGracePeriod) {
    const retryAfter = last.value + settings.rotationGracePeriod - now
    return yield* new RotationTooRecent({
      message: `The secret was rotated ${secondsText(now - last.value)} ago; rotate again in ${secondsText(retryAfter)}`,
      details: { retryAfter }
    })
  }
  yield* signer.rotate(now)

  let resigned = 0
  for (const session of yield* sessions.listActiveMcp(now)) {
    if (yield* reissueTokenFile(session)) resigned++
  }
  yield* (yield* Notifier).notify({ type: "SECRET_ROTATED", at: now, details: { resignedMcpTokens: resigned } })
  return { rotatedAt: now, graceEndsAt: now + settings.rotationGracePeriod, resignedMcpTokens: resigned }
}, mustFinish)
