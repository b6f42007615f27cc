import { SessionId, TOKEN_PREFIX, WalletId } from "@waiaas/domain"
import { Effect, Layer, Option, Redacted, Ref } from "effect"
import {
  type AgentCallError,
  DaemonClient,
  type RenewedToken,
  type RenewError
} from "../DaemonClient.js"
import type { ServerConfig } from "../ServerConfig.js"
import { ServerConfig as ServerConfigTag } from "../ServerConfig.js"
import { TokenFile, TokenFileRead } from "../TokenFile.js"
import { TokenSourceLive } from "../TokenSource.js"

export const WALLET_ID = WalletId.make("01a21ed5-ee68-71f8-87d4-655200a8dfb4")
export const OTHER_WALLET_ID = WalletId.make("01a21ed5-ee68-71f8-87d4-655200a8dfb5")
export const SESSION_ID = SessionId.make("01a21ed6-0000-7000-8000-000000000001")

export const testConfig: ServerConfig = {
  dataDir: "/data",
  baseUrl: "http://127.0.0.1:3100",
  walletId: WALLET_ID,
  walletName: "Trading Bot",
  tokenPath: `/data/mcp-tokens/${WALLET_ID}`
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

/** A token shaped like the daemon's (prefix + HS256 JWT); the signature is junk, as only the daemon checks it. */
export const makeToken = (claims: {
  readonly iat: number
  readonly exp: number
  readonly sub?: string
  readonly wlt?: string
  readonly nonce?: string
}): string =>
  TOKEN_PREFIX + [
    base64url({ alg: "HS256", typ: "JWT" }),
    base64url({ sub: claims.sub ?? SESSION_ID, wlt: claims.wlt ?? WALLET_ID, iat: claims.iat, exp: claims.exp, ...(claims.nonce === undefined ? {} : { n: claims.nonce }) }),
    "c2lnbmF0dXJl"
  ].join(".")

/** The token file as a Ref: `null` is no file. */
export const makeFakeTokenFile = (initial: string | null, permissionWarning?: string) =>
  Effect.gen(function*() {
    const content = yield* Ref.make<string | null>(initial)
    const reads = yield* Ref.make(0)
    const service = TokenFile.of({
      path: testConfig.tokenPath,
      read: Effect.gen(function*() {
        yield* Ref.update(reads, (n) => n + 1)
        const text = yield* Ref.get(content)
        return text === null
          ? TokenFileRead.Missing()
          : TokenFileRead.Present({ token: Redacted.make(text), permissionWarning: Option.fromNullable(permissionWarning) })
      })
    })
    return { service, set: (text: string | null) => Ref.set(content, text), reads: Ref.get(reads) }
  })

type Answer<A, E> = (token: string) => Effect.Effect<A, E>

/** A daemon whose answers the test sets; it records every call's token. */
export const makeFakeDaemon = () =>
  Effect.gen(function*() {
    const renewCalls = yield* Ref.make<ReadonlyArray<string>>([])
    const walletCalls = yield* Ref.make<ReadonlyArray<string>>([])
    const renewAnswer = yield* Ref.make<Answer<RenewedToken, RenewError>>(() => Effect.dieMessage("renew not scripted"))
    const walletAnswer = yield* Ref.make<Answer<any, AgentCallError>>(() => Effect.dieMessage("wallet not scripted"))
    const service = DaemonClient.of({
      renew: (token) =>
        Effect.flatMap(
          Ref.update(renewCalls, (calls) => [...calls, Redacted.value(token)]),
          () => Effect.flatMap(Ref.get(renewAnswer), (answer) => answer(Redacted.value(token)))
        ),
      wallet: (token) =>
        Effect.flatMap(
          Ref.update(walletCalls, (calls) => [...calls, Redacted.value(token)]),
          () => Effect.flatMap(Ref.get(walletAnswer), (answer) => answer(Redacted.value(token)))
        ),
      session: () => Effect.dieMessage("session not scripted")
    })
    return {
      service,
      renewCalls: Ref.get(renewCalls),
      walletCalls: Ref.get(walletCalls),
      onRenew: (answer: Answer<RenewedToken, RenewError>) => Ref.set(renewAnswer, answer),
      onWallet: (answer: Answer<any, AgentCallError>) => Ref.set(walletAnswer, answer)
    }
  })

/** The real TokenSource over the given fakes. */
export const tokenSourceLayer = (file: TokenFile["Type"], daemon: DaemonClient["Type"]) =>
  TokenSourceLive.pipe(
    Layer.provideMerge(Layer.mergeAll(
      Layer.succeed(TokenFile, file),
      Layer.succeed(DaemonClient, daemon),
      Layer.succeed(ServerConfigTag, testConfig)
    ))
  )
