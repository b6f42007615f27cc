import {
  checkMasterPassword,
  InvalidToken,
  looksLikeToken,
  makeSessionAuthenticator,
  MasterAuth,
  MasterPasswordStore,
  MasterPasswordThrottle,
  Notifier,
  PasswordHasher,
  RenewalAuth,
  SessionAuth,
  TokenSigner
} from "@waiaas/domain"
import { Effect, Layer, Redacted } from "effect"

/** masterAuth: HttpApi hands us `""` when the header is missing; the domain check refuses it. */
export const MasterAuthLive = Layer.effect(
  MasterAuth,
  Effect.gen(function*() {
    const context = yield* Effect.context<MasterPasswordStore | PasswordHasher | Notifier | MasterPasswordThrottle>()
    return MasterAuth.of({
      masterPassword: (password) => checkMasterPassword(password).pipe(Effect.provide(context))
    })
  })
)

/** sessionAuth: signature, expiry, session row, revocation and token hash, all in the domain program. */
export const SessionAuthLive = Layer.effect(
  SessionAuth,
  Effect.map(makeSessionAuthenticator, (authenticate) => SessionAuth.of({ sessionToken: authenticate }))
)

/** Renewal: only the signature and expiry here; the renewal program checks the session, in its order. */
export const RenewalAuthLive = Layer.effect(
  RenewalAuth,
  Effect.gen(function*() {
    const signer = yield* TokenSigner
    return RenewalAuth.of({
      sessionToken: (token) =>
        looksLikeToken(Redacted.value(token))
          ? Effect.map(signer.verify(token), (claims) => ({ token, claims }))
          : Effect.fail(new InvalidToken({ message: "Missing or malformed session token" }))
    })
  })
)
