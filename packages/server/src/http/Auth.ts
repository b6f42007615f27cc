import { authenticateSession, checkMasterPassword, MasterAuth, MasterPasswordStore, PasswordHasher, SessionAuth, SessionRepo, TokenSigner } from "@waiaas/domain"
import { Effect, Layer } from "effect"

/** masterAuth: HttpApi hands us `""` when the header is missing; the domain check refuses it. */
export const MasterAuthLive = Layer.effect(
  MasterAuth,
  Effect.gen(function*() {
    const context = yield* Effect.context<MasterPasswordStore | PasswordHasher>()
    return MasterAuth.of({
      masterPassword: (password) => checkMasterPassword(password).pipe(Effect.provide(context))
    })
  })
)

/** sessionAuth: signature, expiry, session row, revocation and token hash, all in the domain program. */
export const SessionAuthLive = Layer.effect(
  SessionAuth,
  Effect.gen(function*() {
    const context = yield* Effect.context<TokenSigner | SessionRepo>()
    return SessionAuth.of({
      sessionToken: (token) => authenticateSession(token).pipe(Effect.provide(context))
    })
  })
)
