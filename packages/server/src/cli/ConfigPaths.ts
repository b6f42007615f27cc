import type { ConfigPaths } from "@waiaas/domain"
import { Either } from "effect"
import * as path from "node:path"

// A client's config file on this machine: the snippet's per-OS path template with `~`, `%APPDATA%` and
// `%USERPROFILE%` expanded from the environment (HOME, APPDATA, USERPROFILE), so tests can point HOME elsewhere.

export type OsName = keyof ConfigPaths

export const osNameOf = (platform: NodeJS.Platform): OsName =>
  platform === "darwin" ? "macos" : platform === "win32" ? "windows" : "linux"

const osLabel: Record<OsName, string> = { macos: "macOS", windows: "Windows", linux: "Linux" }

export interface ConfigPathContext {
  readonly platform: NodeJS.Platform
  readonly env: Record<string, string | undefined>
  /** Where `~` goes when HOME is not set. */
  readonly homedir: string
}

const nonEmpty = (value: string | undefined): value is string => value !== undefined && value !== ""

/** `template` with its variables expanded; fails naming the variable that is not set. */
export const expandConfigPath = (template: string, context: ConfigPathContext): Either.Either<string, string> => {
  const pathApi = context.platform === "win32" ? path.win32 : path.posix
  let missing: string | undefined
  const expanded = template
    .replace(/^~(?=$|[/\\])/, () => nonEmpty(context.env.HOME) ? context.env.HOME : context.homedir)
    .replace(/%([A-Za-z_][A-Za-z0-9_]*)%/g, (whole, name: string) => {
      const key = Object.keys(context.env).find((k) => k.toUpperCase() === name.toUpperCase())
      const value = key === undefined ? undefined : context.env[key]
      if (nonEmpty(value)) return value
      missing ??= name
      return whole
    })
  return missing === undefined
    ? Either.right(pathApi.normalize(expanded))
    : Either.left(`%${missing}% is not set, so the config file (${template}) cannot be located`)
}

/** The client's config file for this OS, expanded; fails if the client keeps none here. */
export const configPathFor = (
  label: string,
  paths: ConfigPaths,
  context: ConfigPathContext
): Either.Either<string, string> => {
  const os = osNameOf(context.platform)
  const template = paths[os]
  return template === undefined
    ? Either.left(`${label} has no config file on ${osLabel[os]}`)
    : expandConfigPath(template, context)
}
