import { Either, Schema } from "effect"

/** What the daemon tells the UI about itself at `/admin/settings.json` (a static route, not the API). */
export const UiSettings = Schema.Struct({
  inactivityTimeoutSeconds: Schema.Int.pipe(Schema.positive()),
  rotationGracePeriodSeconds: Schema.Int.pipe(Schema.positive())
})
export type UiSettings = typeof UiSettings.Type

export const DEFAULT_UI_SETTINGS: UiSettings = { inactivityTimeoutSeconds: 900, rotationGracePeriodSeconds: 300 }

const decode = Schema.decodeUnknownEither(UiSettings)

/** The daemon's settings for the UI; the defaults if they cannot be read (the UI still works). */
export const loadUiSettings = async (baseUrl: string, fetchImpl: typeof fetch = fetch): Promise<UiSettings> => {
  try {
    const response = await fetchImpl(new URL("/admin/settings.json", baseUrl), { credentials: "same-origin" })
    if (!response.ok) return DEFAULT_UI_SETTINGS
    const settings = decode(await response.json())
    return Either.isRight(settings) ? settings.right : DEFAULT_UI_SETTINGS
  } catch {
    return DEFAULT_UI_SETTINGS
  }
}
