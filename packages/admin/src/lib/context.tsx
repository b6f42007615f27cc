import { createContext } from "preact"
import { useContext } from "preact/hooks"
import type { AdminApi } from "../api/client.js"
import type { Route } from "./routes.js"

export type ToastKind = "success" | "info" | "error"

export interface AppServices {
  readonly api: AdminApi
  readonly navigate: (href: string) => void
  readonly toast: (message: string, kind?: ToastKind) => void
  readonly route: Route
  readonly inactivityTimeoutSeconds: number
  readonly rotationGracePeriodSeconds: number
}

export const AppContext = createContext<AppServices | null>(null)

export const useApp = (): AppServices => {
  const services = useContext(AppContext)
  if (services === null) throw new Error("useApp outside AppContext")
  return services
}
