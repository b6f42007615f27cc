// The app's pages, as paths under /admin/ (the daemon answers every unknown /admin/ path with index.html).

export const BASE_PATH = "/admin/"

export type Route =
  | { readonly page: "wallets" }
  | { readonly page: "wallet"; readonly walletId: string }
  | { readonly page: "events" }
  | { readonly page: "settings" }
  | { readonly page: "notFound"; readonly path: string }

export const parseRoute = (pathname: string): Route => {
  if (pathname === "/admin" || pathname === BASE_PATH) return { page: "wallets" }
  if (!pathname.startsWith(BASE_PATH)) return { page: "notFound", path: pathname }
  const parts = pathname.slice(BASE_PATH.length).split("/").filter((part) => part !== "")
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "wallets")) return { page: "wallets" }
  if (parts.length === 2 && parts[0] === "wallets") {
    let walletId: string
    try {
      walletId = decodeURIComponent(parts[1]!)
    } catch {
      return { page: "notFound", path: pathname }
    }
    return { page: "wallet", walletId }
  }
  if (parts.length === 1 && parts[0] === "events") return { page: "events" }
  if (parts.length === 1 && parts[0] === "settings") return { page: "settings" }
  return { page: "notFound", path: pathname }
}

export const hrefFor = (route: Exclude<Route, { page: "notFound" }>): string => {
  switch (route.page) {
    case "wallets":
      return BASE_PATH
    case "wallet":
      return `${BASE_PATH}wallets/${encodeURIComponent(route.walletId)}`
    case "events":
      return `${BASE_PATH}events`
    case "settings":
      return `${BASE_PATH}settings`
  }
}
