import { FileSystem, HttpApiBuilder, HttpServerRequest, HttpServerResponse, Path } from "@effect/platform"
import { CurrentRequestId, errorBody, type ErrorSpec, RouteNotFound } from "@waiaas/domain"
import { Effect, FiberRef, Option } from "effect"
import { fileURLToPath } from "node:url"

/**
 * The built Admin UI (`packages/admin/dist`), found from this module: `packages/server/{src,dist}/http/`
 * both sit three levels below `packages/`.
 */
export const defaultAdminRoot = (): string => fileURLToPath(new URL("../../../admin/dist/", import.meta.url))

export const DEFAULT_ADMIN_TIMEOUT_SECONDS = 900
/** The daemon's default `security.rotation_grace_period`. */
const DEFAULT_ROTATION_GRACE_SECONDS = 300

/** Every /admin response: the UI runs its own scripts and styles only, talks only to this daemon, is never framed. */
export const ADMIN_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'"
  ].join("; "),
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin"
}

const NO_STORE = "no-store"
/** Vite puts a content hash in every file name under assets/: such a URL never changes content. */
const IMMUTABLE = "public, max-age=31536000, immutable"
const REVALIDATE = "no-cache"

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8"
}

const AdminFileNotFound: ErrorSpec = {
  code: RouteNotFound.spec.code,
  status: 404,
  hint: "The Admin UI is at /admin/."
}

const AdminUiNotBuilt: ErrorSpec = {
  code: "ADMIN_UI_NOT_BUILT",
  status: 503,
  hint: "Build it with `npm run build` (or `npm run build -w @waiaas/admin`), then reload /admin/."
}

const errorResponse = (spec: ErrorSpec, message: string) =>
  Effect.map(FiberRef.get(CurrentRequestId), (requestId) =>
    HttpServerResponse.unsafeJson(errorBody(spec, { message }, requestId), {
      status: spec.status,
      headers: { ...ADMIN_SECURITY_HEADERS, "cache-control": NO_STORE }
    }))

const pathOf = (url: string): string => {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

/**
 * The file a request path asks for, relative to the UI's root ("" is index.html), or none when the path
 * tries to leave the root or hide something: `..` or `.` segments (plain or percent-encoded), encoded
 * slashes or backslashes, NUL, dot-files, or malformed escapes. The route's `*` parameter arrives decoded,
 * so this works on the raw request path instead.
 */
export const adminRelativePath = (requestPath: string): Option.Option<string> => {
  if (!requestPath.startsWith("/admin/")) return Option.none()
  const raw = requestPath.slice("/admin/".length)
  if (/%2f|%5c|%00/i.test(raw) || raw.includes("\\")) return Option.none()
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    return Option.none()
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return Option.none()
  const segments = decoded.split("/").filter((segment) => segment !== "")
  if (segments.some((segment) => segment.startsWith("."))) return Option.none()
  return Option.some(segments.join("/"))
}

/** Client-side routes (no file extension) get index.html; a missing asset is a 404. */
const looksLikeFile = (relative: string): boolean => /\.[A-Za-z0-9]+$/.test(relative.slice(relative.lastIndexOf("/") + 1))

const isInside = (root: string, target: string, separator: string) => target.startsWith(root.endsWith(separator) ? root : root + separator)

export interface AdminStaticOptions {
  /** Logout after this many seconds without activity (`daemon.admin_timeout`); the UI reads it from /admin/settings.json. */
  readonly inactivityTimeoutSeconds?: number
  /** How long the previous JWT secret keeps verifying after a rotation (`security.rotation_grace_period`). */
  readonly rotationGracePeriodSeconds?: number
}

/**
 * The Admin UI, served from its built files next to the API: `GET /admin` redirects to `/admin/`,
 * `GET /admin/settings.json` tells the UI its inactivity timeout, and `GET /admin/*` serves files from
 * `rootDir`, falling back to index.html for the UI's own routes. Nothing outside `rootDir` is ever read
 * (the path is checked, then the real path, so a symlink cannot lead out either). A missing build answers
 * 503 with what to do.
 */
export const AdminStaticLive = (rootDir: string, options: AdminStaticOptions = {}) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const settings = {
        inactivityTimeoutSeconds: options.inactivityTimeoutSeconds ?? DEFAULT_ADMIN_TIMEOUT_SECONDS,
        rotationGracePeriodSeconds: options.rotationGracePeriodSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS
      }

      const sendFile = (fs: FileSystem.FileSystem, path: Path.Path, file: string, cacheControl: string) =>
        Effect.map(fs.readFile(file), (bytes) =>
          HttpServerResponse.uint8Array(bytes, {
            status: 200,
            contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
            headers: { ...ADMIN_SECURITY_HEADERS, "cache-control": cacheControl }
          }))

      const serve = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const root = path.resolve(rootDir)
        const index = path.join(root, "index.html")
        const relative = adminRelativePath(pathOf(request.url))
        if (Option.isNone(relative)) return yield* errorResponse(AdminFileNotFound, "No such file in the Admin UI")

        const built = yield* fs.exists(index).pipe(Effect.orElseSucceed(() => false))
        if (!built) {
          return yield* errorResponse(AdminUiNotBuilt, `The Admin UI is not built: ${index} is missing`)
        }
        if (relative.value === "" || relative.value === "index.html") return yield* sendFile(fs, path, index, NO_STORE)

        const target = path.resolve(root, relative.value)
        if (!isInside(root, target, path.sep)) return yield* errorResponse(AdminFileNotFound, "No such file in the Admin UI")
        const info = yield* fs.stat(target).pipe(Effect.option)
        if (Option.isSome(info) && info.value.type === "File") {
          const realRoot = yield* fs.realPath(root)
          const realTarget = yield* fs.realPath(target)
          if (!isInside(realRoot, realTarget, path.sep)) {
            return yield* errorResponse(AdminFileNotFound, "No such file in the Admin UI")
          }
          return yield* sendFile(fs, path, realTarget, relative.value.startsWith("assets/") ? IMMUTABLE : REVALIDATE)
        }
        if (looksLikeFile(relative.value)) return yield* errorResponse(AdminFileNotFound, "No such file in the Admin UI")
        return yield* sendFile(fs, path, index, NO_STORE)
      }).pipe(
        Effect.catchAll((error) =>
          Effect.zipRight(
            Effect.logWarning("Admin UI file could not be read", error),
            errorResponse(AdminFileNotFound, "No such file in the Admin UI")
          )
        )
      )

      // The router matches "/admin/" on the "/admin" route too: only the bare path redirects.
      const redirectOrServe = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const url = request.url
        if (pathOf(url) !== "/admin") return serve
        const query = url.indexOf("?")
        return Effect.succeed(HttpServerResponse.empty({
          status: 308,
          headers: { ...ADMIN_SECURITY_HEADERS, location: `/admin/${query === -1 ? "" : url.slice(query)}`, "cache-control": NO_STORE }
        }))
      })

      yield* router.get("/admin", redirectOrServe)
      yield* router.get(
        "/admin/settings.json",
        Effect.succeed(
          HttpServerResponse.unsafeJson(settings, { headers: { ...ADMIN_SECURITY_HEADERS, "cache-control": NO_STORE } })
        )
      )
      yield* router.get("/admin/*", serve)
    })
  )
