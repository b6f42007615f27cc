import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { makeToken, SESSION_ID, WALLET_ID } from "./testing/Fakes.js"
import { decodeTokenPayload } from "./TokenPayload.js"

describe("decodeTokenPayload", () => {
  it("reads sub, wlt, iat and exp without checking the signature (only the daemon can)", () => {
    const claims = Either.getOrThrow(decodeTokenPayload(makeToken({ iat: 100, exp: 86_500 })))
    expect({ sub: claims.sub, wlt: claims.wlt, iat: claims.iat, exp: claims.exp }).toEqual({
      sub: SESSION_ID,
      wlt: WALLET_ID,
      iat: 100,
      exp: 86_500
    })
  })

  it("says why a text is not a session token, without repeating the text", () => {
    const reason = (text: string) => Either.match(decodeTokenPayload(text), { onLeft: (l) => l, onRight: () => "ok" })
    expect(reason("eyJhbGciOi.eyJzdWIi.c2ln")).toBe(`it does not start with "wai_sess_"`)
    expect(reason("wai_sess_abc.def")).toBe("it is not a JWT (three base64url parts)")
    expect(reason("wai_sess_a.b c.d")).toBe("it is not a JWT (three base64url parts)")
    const noExp = "wai_sess_" + ["e30", Buffer.from(JSON.stringify({ sub: SESSION_ID, wlt: WALLET_ID, iat: 1 })).toString("base64url"), "c2ln"].join(".")
    expect(reason(noExp)).toBe("its payload lacks sub, wlt, iat or exp")
    expect(reason("wai_sess_e30.bm90IGpzb24.c2ln")).toBe("its payload lacks sub, wlt, iat or exp")
  })
})
