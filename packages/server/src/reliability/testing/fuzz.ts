import { FastCheck as fc } from "effect"

// Generated HTTP requests, as raw bytes: anything a client (or an attacker) could put on the wire to a
// loopback daemon. Each case is built from parts, each part from a weighted choice between plausible
// values (so that requests get past routing and auth often enough to reach the handlers) and junk.

export interface FuzzContext {
  readonly port: number
  readonly password: string
  /** Real ids, so that some requests reach real rows. */
  readonly walletIds: ReadonlyArray<string>
  readonly sessionIds: ReadonlyArray<string>
  /** Valid session tokens (some will be revoked or replaced as the fuzz goes on). */
  readonly tokens: ReadonlyArray<string>
  /** true: the right master password, or none; false: wrong ones (the lockout engages). */
  readonly rightPasswordOnly: boolean
}

export interface FuzzCase {
  readonly bytes: Buffer
  readonly method: string
  /** One line for a failure report. */
  readonly summary: string
}

const w = <A>(weight: number, arbitrary: fc.Arbitrary<A>) => ({ weight, arbitrary })

const PATH_ESCAPES = [
  "../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "..%252F..%252Fetc%252Fpasswd",
  "....//....//etc/passwd",
  "..\\..\\etc\\passwd",
  "%00",
  "a%00b",
  "%zz",
  "%",
  "%E0%A4%A",
  "%c0%ae%c0%ae%2f",
  ".",
  "..",
  "",
  "mcp-tokens",
  "..%2Fmcp-tokens%2F..%2Fwaiaas.db"
]

const uuidV7 = fc.tuple(fc.hexaString({ minLength: 12, maxLength: 12 }), fc.hexaString({ minLength: 15, maxLength: 15 }))
  .map(([a, b]) => `${a.slice(0, 8).padEnd(8, "0")}-${a.slice(8).padEnd(4, "0")}-7${b.slice(0, 3).padEnd(3, "0")}-8${b.slice(3, 6).padEnd(3, "0")}-${b.slice(6).padEnd(12, "0")}`)

const junkText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.constantFrom("\u202e", "\u200b", "\ufeff", "😀", "𝕏", "ǅ", "İ", "\u0000", "<script>", "'; DROP TABLE wallets;--", "${jndi:x}"),
  fc.integer({ min: 1, max: 20_000 }).map((n) => "x".repeat(n))
)

const idSegment = (context: FuzzContext) =>
  fc.oneof(
    w(4, fc.constantFrom(...context.walletIds)),
    w(2, fc.constantFrom(...context.sessionIds)),
    w(2, uuidV7),
    w(1, fc.uuid().map((u) => u.toUpperCase())),
    w(4, fc.constantFrom(...PATH_ESCAPES)),
    w(2, junkText.map((text) => encodeURIComponent(text))),
    w(1, junkText)
  )

const routes = (context: FuzzContext) => {
  const id = idSegment(context)
  return fc.oneof(
    w(2, fc.constant({ method: "GET", path: "/health" })),
    w(3, fc.constant({ method: "GET", path: "/v1/wallets" })),
    w(4, fc.constant({ method: "POST", path: "/v1/wallets" })),
    w(2, id.map((x) => ({ method: "GET", path: `/v1/wallets/${x}` }))),
    w(2, id.map((x) => ({ method: "PUT", path: `/v1/wallets/${x}` }))),
    w(1, id.map((x) => ({ method: "DELETE", path: `/v1/wallets/${x}` }))),
    w(3, fc.constant({ method: "POST", path: "/v1/sessions" })),
    w(2, fc.constant({ method: "GET", path: "/v1/sessions" })),
    w(2, id.map((x) => ({ method: "DELETE", path: `/v1/sessions/${x}` }))),
    w(3, id.map((x) => ({ method: "PUT", path: `/v1/sessions/${x}/renew` }))),
    w(5, fc.constant({ method: "POST", path: "/v1/mcp/tokens" })),
    w(2, fc.constant({ method: "GET", path: "/v1/mcp/tokens" })),
    w(2, id.map((x) => ({ method: "GET", path: `/v1/mcp/tokens/${x}/config` }))),
    w(3, id.map((x) => ({ method: "DELETE", path: `/v1/mcp/tokens/${x}` }))),
    w(1, fc.constant({ method: "POST", path: "/v1/admin/rotate-secret" })),
    w(1, fc.constant({ method: "POST", path: "/v1/admin/revoke-all" })),
    w(2, fc.constant({ method: "GET", path: "/v1/admin/events" })),
    w(2, fc.constant({ method: "GET", path: "/v1/session" })),
    w(2, fc.constant({ method: "GET", path: "/v1/wallet" })),
    w(1, fc.constantFrom("/docs", "/openapi.json", "/admin", "/admin/", "/admin/index.html", "/favicon.ico").map((path) => ({ method: "GET", path }))),
    w(2, id.map((x) => ({ method: "GET", path: `/admin/${x}` }))),
    w(3, fc.webPath().map((path) => ({ method: "GET", path: path === "" ? "/" : path }))),
    w(2, fc.array(id, { minLength: 1, maxLength: 6 }).map((parts) => ({ method: "GET", path: `/${parts.join("/")}` })))
  )
}

/** Mangles a path: slashes doubled, dot segments, a trailing slash, case, a fragment. */
const pathMangling = fc.oneof(
  w(12, fc.constant((path: string) => path)),
  w(1, fc.constant((path: string) => path.replace(/\//g, "//"))),
  w(1, fc.constant((path: string) => `${path}/`)),
  w(1, fc.constant((path: string) => `/./${path.slice(1)}`)),
  w(1, fc.constant((path: string) => `/v1/../${path.slice(1)}`)),
  w(1, fc.constant((path: string) => path.toUpperCase())),
  w(1, fc.constant((path: string) => `${path}#fragment`)),
  w(1, fc.constant((path: string) => `http://127.0.0.1${path}`)),
  w(1, fc.constant((_: string) => "*")),
  w(1, fc.constant((path: string) => path.replace(/\//g, "\\")))
)

const queryString = (context: FuzzContext) =>
  fc.oneof(
    w(6, fc.constant("")),
    w(3, fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom("walletId", "status", "limit", "cursor", "__proto__", "constructor", "walletId[]"), fc.string({ maxLength: 10 })),
        fc.oneof(
          fc.constantFrom(...context.walletIds),
          fc.constantFrom("ACTIVE", "REVOKED", "EXPIRED", "DEAD", "0", "-1", "1e9", "1000", "1001", "NaN", "", "true"),
          idSegment(context),
          junkText.map(encodeURIComponent)
        )
      ),
      { maxLength: 6 }
    ).map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join("&")}`)),
    w(1, junkText.map((text) => `?${text}`)),
    w(1, fc.constantFrom("?", "??", "?&&&", "?=", "?a=%", "?limit=1&limit=2&limit=3"))
  )

const methodArb = (routeMethod: string) =>
  fc.oneof(
    w(16, fc.constant(routeMethod)),
    w(4, fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE")),
    w(2, fc.constantFrom("CONNECT", "PROPFIND", "MKCOL", "PURGE", "SEARCH", "LINK", "QUERY", "M-SEARCH", "SOURCE")),
    w(1, fc.constantFrom("get", "Post", "BREW", "X".repeat(300), "GET\t", "G\u00c9T", "", "DELETE /x"))
  )

const contentType = fc.oneof(
  w(10, fc.constant("application/json")),
  w(2, fc.constantFrom("application/json; charset=utf-8", "application/json; charset=utf-16", "APPLICATION/JSON", "application/merge-patch+json")),
  w(2, fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/octet-stream", "text/html")),
  w(2, fc.constantFrom("multipart/form-data; boundary=xyz", "multipart/form-data", "multipart/mixed; boundary=")),
  w(1, junkText),
  w(1, fc.constantFrom("", " ", ";", "application/json,text/plain")),
  w(2, fc.constant(undefined))
)

/** Syntactically valid, often right-shaped JSON for the routes that take a body, with wrong types mixed in. */
const jsonBody = (context: FuzzContext) =>
  fc.oneof(
    w(4, fc.record({ name: fc.oneof(fc.constant("fuzz wallet"), junkText), chain: fc.constantFrom("solana", "ethereum", "bitcoin", undefined) }, { requiredKeys: ["name"] })),
    w(4, fc.record({ walletId: fc.oneof(fc.constantFrom(...context.walletIds), idSegment(context)), expiresIn: fc.option(fc.oneof(fc.integer(), fc.double(), fc.constantFrom(300, 604800, 604801, 299, "300"))) })),
    w(2, fc.record({ walletId: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.object()), name: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) })),
    w(3, fc.unicodeJsonValue({ maxDepth: 4 })),
    w(1, fc.constantFrom({ __proto__: { polluted: true } }, JSON.parse("{\"__proto__\":{\"polluted\":true},\"name\":\"p\"}"), { constructor: { prototype: { polluted: true } } }))
  ).map((value) => JSON.stringify(value) ?? "null")

const rawBody = (context: FuzzContext) =>
  fc.oneof(
    w(10, jsonBody(context).map((text) => Buffer.from(text))),
    w(2, fc.integer({ min: 1, max: 30_000 }).map((n) => Buffer.from("[".repeat(n) + "]".repeat(n)))),
    w(1, fc.integer({ min: 1, max: 60_000 }).map((n) => Buffer.from("{\"a\":".repeat(Math.floor(n / 5))))),
    w(2, fc.integer({ min: 1_000, max: 63_000 }).map((n) => Buffer.from(JSON.stringify({ name: "n".repeat(n) })))),
    w(1, fc.integer({ min: 65_537, max: 300_000 }).map((n) => Buffer.from(JSON.stringify({ name: "n".repeat(n) })))),
    w(1, fc.constantFrom("{\"name\": \"abc", "{name: 'x'}", "NaN", "1e400", "-0", "\"\\ud800\"", "{\"name\":\"\\ud800\\udc00\\ud800\"}", "", " ", "null", "[]", "{}{}", "\u0000").map((t) => Buffer.from(t))),
    w(1, fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes))),
    w(1, fc.fullUnicodeString({ maxLength: 500 }).map((text) => Buffer.from(JSON.stringify({ name: text, walletId: text }))))
  )

const extraHeaders = (context: FuzzContext) =>
  fc.oneof(
    w(24, fc.constant<Array<[string, string]>>([])),
    w(2, fc.constant<Array<[string, string]>>([["expect", "100-continue"]])),
    w(1, fc.constant<Array<[string, string]>>([["connection", "upgrade"], ["upgrade", "websocket"], ["sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="], ["sec-websocket-version", "13"]])),
    w(1, fc.constant<Array<[string, string]>>([["connection", "upgrade, http2-settings"], ["upgrade", "h2c"], ["http2-settings", "AAMAAABkAAQAAP__"]])),
    w(1, fc.integer({ min: 50, max: 300 }).map((n) => Array.from({ length: n }, (_, i): [string, string] => [`x-h${i}`, "v"]))),
    w(1, fc.integer({ min: 8_000, max: 40_000 }).map((n): Array<[string, string]> => [["x-big", "b".repeat(n)]])),
    w(1, fc.constant<Array<[string, string]>>([["x-request-id", "id\u00ff\u00fe"], ["x-forwarded-for", "10.0.0.1"], ["x-forwarded-host", "evil.example"]])),
    w(1, junkText.map((text): Array<[string, string]> => [["x-request-id", text.replace(/[\r\n]/g, "")]])),
    w(1, fc.constant<Array<[string, string]>>([["cookie", "session=1; admin=true"], ["origin", "http://evil.example"], ["referer", "http://evil.example/"]])),
    w(1, fc.constant<Array<[string, string]>>([["x-master-password", context.password], ["x-master-password", "second"]])),
    w(1, fc.constant<Array<[string, string]>>([["authorization", "Bearer a"], ["authorization", "Bearer b"]])),
    w(1, fc.constant<Array<[string, string]>>([["x-injected", "a\r\nx-evil: 1"]])),
    w(1, fc.constant<Array<[string, string]>>([["bad header name", "1"]])),
    w(1, fc.constant<Array<[string, string]>>([[" folded", "value"], ["x-ok", "1\r\n continued"]]))
  )

const hostHeader = (port: number) =>
  fc.oneof(
    w(24, fc.constant<Array<string>>([`127.0.0.1:${port}`])),
    w(2, fc.constantFrom<Array<string>>(["localhost"], [`localhost:${port}`], ["[::1]"], [`[::1]:${port}`], ["LOCALHOST"])),
    w(3, fc.constant<Array<string>>([])),
    w(1, fc.constantFrom<Array<string>>(
      ["evil.example"],
      ["127.0.0.1.evil.example"],
      ["localhost.evil.example:3100"],
      ["127.0.0.1:99999"],
      [""],
      ["127.0.0.1:"],
      ["[::1"],
      [`127.0.0.1:${port}`, "evil.example"],
      ["evil.example", `127.0.0.1:${port}`],
      ["h".repeat(5_000)],
      ["127.0.0.1@evil.example"]
    ))
  )

const authHeaders = (context: FuzzContext) => {
  const password: fc.Arbitrary<Array<[string, string]>> = context.rightPasswordOnly
    ? fc.oneof(
      w(5, fc.constant<Array<[string, string]>>([["x-master-password", context.password]])),
      w(3, fc.constant<Array<[string, string]>>([])),
      w(1, fc.constant<Array<[string, string]>>([["x-master-password", ""]]))
    )
    : fc.oneof(
      w(5, junkText.map((text): Array<[string, string]> => [["x-master-password", text.replace(/[\r\n]/g, "")]])),
      w(2, fc.constant<Array<[string, string]>>([["x-master-password", `${context.password} `]])),
      w(1, fc.constant<Array<[string, string]>>([["x-master-password", context.password.toUpperCase()]])),
      w(1, fc.constant<Array<[string, string]>>([]))
    )
  const bearer: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
    w(6, fc.constant<Array<[string, string]>>([])),
    w(3, fc.constantFrom(...context.tokens).map((t): Array<[string, string]> => [["authorization", `Bearer ${t}`]])),
    w(2, fc.constantFrom(
      "Bearer wai_sess_junk",
      "Bearer wai_sess_a.b.c",
      "Bearer wai_sess_eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
      "Bearer wai_sess_eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJ3bHQiOiIwMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJpYXQiOjAsImV4cCI6OTk5OTk5OTk5OX0.x",
      "Basic dXNlcjpwYXNz",
      "Bearer",
      "Bearer ",
      "bearer wai_sess_x.y.z",
      `Bearer wai_sess_${"a".repeat(8_000)}.b.c`
    ).map((value): Array<[string, string]> => [["authorization", value]])),
    w(1, fc.constantFrom(...context.tokens).map((t): Array<[string, string]> => [["authorization", `Bearer ${t.slice(0, -3)}abc`]]))
  )
  return fc.tuple(password, bearer).map(([a, b]) => [...a, ...b])
}

/** The framing of the body: an exact Content-Length, chunked, none, or lengths that lie. */
const framing = fc.oneof(
  w(24, fc.constant("content-length" as const)),
  w(3, fc.constant("chunked" as const)),
  w(1, fc.constant("both" as const)),
  w(1, fc.constant("short-length" as const)),
  w(1, fc.constant("bad-length" as const)),
  w(1, fc.constant("two-lengths" as const))
)

export const fuzzCase = (context: FuzzContext): fc.Arbitrary<FuzzCase> =>
  routes(context).chain((route) =>
    fc.record({
      method: methodArb(route.method),
      mangle: pathMangling,
      query: queryString(context),
      host: hostHeader(context.port),
      auth: authHeaders(context),
      contentType,
      body: fc.oneof(w(3, fc.constant(undefined)), w(7, rawBody(context))),
      framing,
      extra: extraHeaders(context)
    }).map(({ auth, body, contentType, extra, framing, host, mangle, method, query }): FuzzCase => {
      const target = mangle(route.path) + query
      const lines: Array<string> = []
      for (const value of host) lines.push(`host: ${value}`)
      lines.push("connection: close")
      for (const [name, value] of [...auth, ...extra]) lines.push(`${name}: ${value}`)
      const hasBody = body !== undefined && method !== "HEAD"
      if (hasBody && contentType !== undefined) lines.push(`content-type: ${contentType}`)
      let payload = Buffer.alloc(0)
      if (hasBody) {
        switch (framing) {
          case "content-length":
            lines.push(`content-length: ${body.length}`)
            payload = body
            break
          case "chunked": {
            lines.push("transfer-encoding: chunked")
            const chunks: Array<Buffer> = []
            for (let offset = 0; offset < body.length; offset += 4096) {
              const chunk = body.subarray(offset, offset + 4096)
              chunks.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n"))
            }
            chunks.push(Buffer.from("0\r\n\r\n"))
            payload = Buffer.concat(chunks)
            break
          }
          case "both":
            lines.push("transfer-encoding: chunked", `content-length: ${body.length}`)
            payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")])
            break
          case "short-length": // the rest arrives as if it were the next request
            lines.push(`content-length: ${Math.floor(body.length / 2)}`)
            payload = body
            break
          case "bad-length":
            lines.push("content-length: -1")
            payload = body
            break
          case "two-lengths":
            lines.push(`content-length: ${body.length}`, `content-length: ${body.length + 1}`)
            payload = body
            break
        }
      } else if (method === "POST" || method === "PUT") lines.push("content-length: 0")
      const head = `${method} ${target} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`
      return {
        bytes: Buffer.concat([Buffer.from(head, "utf8"), payload]),
        method,
        summary: `${method.slice(0, 20)} ${target.slice(0, 120)} [${body?.length ?? 0} bytes ${framing}, host=${JSON.stringify(host).slice(0, 40)}]`
      }
    })
  )
