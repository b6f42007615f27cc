import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks"
import { type ApiError, TIMEOUT } from "./api/ApiError.js"
import { createApi } from "./api/client.js"
import { DEFAULT_UI_SETTINGS, loadUiSettings, type UiSettings } from "./api/uiSettings.js"
import { Link } from "./components/Link.js"
import { Toasts, type ToastMessage } from "./components/Toasts.js"
import { AppContext, type AppServices, type ToastKind } from "./lib/context.js"
import { useInactivity } from "./lib/hooks.js"
import { hrefFor, parseRoute, type Route } from "./lib/routes.js"
import { formatDuration, formatDurationPrecise } from "./lib/time.js"
import { EventsPage } from "./pages/EventsPage.js"
import { LoginPage, type LogoutReason } from "./pages/LoginPage.js"
import { NotFoundPage } from "./pages/NotFoundPage.js"
import { SettingsPage } from "./pages/SettingsPage.js"
import { WalletPage } from "./pages/WalletPage.js"
import { WalletsPage } from "./pages/WalletsPage.js"

const HEALTH_POLL_MS = 5000

/** How long before the inactivity logout the page warns. */
const warnSecondsFor = (timeout: number) => Math.min(60, Math.floor(timeout / 4))

export const App = () => {
  // The master password lives here, in memory only: never in storage, a cookie or the URL.
  // Reloading the page or closing the tab forgets it.
  const password = useRef<string | undefined>(undefined)
  const [signedIn, setSignedIn] = useState(false)
  const [logoutReason, setLogoutReason] = useState<LogoutReason | undefined>(undefined)
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname))
  const [settings, setSettings] = useState<UiSettings>(DEFAULT_UI_SETTINGS)
  const [unreachable, setUnreachable] = useState<ApiError | undefined>(undefined)
  const [toasts, setToasts] = useState<ReadonlyArray<ToastMessage>>([])
  const nextToast = useRef(1)

  const signOut = useCallback((reason: LogoutReason) => {
    password.current = undefined
    setSignedIn(false)
    setLogoutReason(reason)
  }, [])

  const api = useMemo(() =>
    createApi({
      baseUrl: location.origin,
      password: () => password.current,
      onUnauthorized: () => {
        if (password.current !== undefined) signOut("unauthorized")
      },
      onUnreachable: (error) => setUnreachable(error),
      onReachable: () => setUnreachable(undefined)
    }), [signOut])

  useEffect(() => {
    void loadUiSettings(location.origin).then(setSettings)
  }, [])

  const dismissToast = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), [])
  const toast = useCallback((message: string, kind: ToastKind = "info") => {
    const id = nextToast.current++
    setToasts((all) => [...all.slice(-3), { id, message, kind }])
    setTimeout(() => dismissToast(id), kind === "error" ? 8000 : 5000)
  }, [dismissToast])

  const firstRender = useRef(true)
  const navigate = useCallback((href: string) => {
    if (href !== location.pathname) history.pushState(null, "", href)
    setRoute(parseRoute(location.pathname))
  }, [])
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname))
    addEventListener("popstate", onPop)
    return () => removeEventListener("popstate", onPop)
  }, [])
  // After a navigation, move focus to the new page's heading (screen readers announce it).
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false
      return
    }
    requestAnimationFrame(() => document.querySelector<HTMLElement>("main h1")?.focus())
  }, [route])

  // While the daemon does not answer, ask it every few seconds; the banner goes once it does.
  useEffect(() => {
    if (unreachable === undefined) return
    const timer = setInterval(() => void api.health().catch(() => undefined), HEALTH_POLL_MS)
    return () => clearInterval(timer)
  }, [unreachable, api])

  const timeout = settings.inactivityTimeoutSeconds
  const idleSecondsLeft = useInactivity(signedIn, timeout, warnSecondsFor(timeout), () => signOut("inactivity"))

  const services: AppServices = useMemo(
    () => ({
      api,
      navigate,
      toast,
      route,
      inactivityTimeoutSeconds: timeout,
      rotationGracePeriodSeconds: settings.rotationGracePeriodSeconds
    }),
    [api, navigate, toast, route, timeout, settings.rotationGracePeriodSeconds]
  )

  const banner = unreachable !== undefined && (
    <div class="banner banner-error" role="alert">
      <div class="banner-inner">
        <p>
          <strong>The WAIaaS daemon is not responding.</strong>{" "}
          {unreachable.code === TIMEOUT ? `${unreachable.message}. ` : ""}Start it again (<code>waiaas start</code>); this
          page reconnects by itself.
        </p>
        <button type="button" class="button button-small" onClick={() => void api.health().catch(() => undefined)}>
          Retry now
        </button>
      </div>
    </div>
  )

  if (!signedIn) {
    return (
      <AppContext.Provider value={services}>
        {banner}
        <LoginPage
          reason={logoutReason}
          inactivityTimeoutSeconds={timeout}
          onSignedIn={(pw) => {
            password.current = pw
            setLogoutReason(undefined)
            setSignedIn(true)
          }}
        />
        <Toasts toasts={toasts} onDismiss={dismissToast} />
      </AppContext.Provider>
    )
  }

  const nav: ReadonlyArray<{ readonly label: string; readonly href: string; readonly current: boolean }> = [
    { label: "Wallets", href: hrefFor({ page: "wallets" }), current: route.page === "wallets" || route.page === "wallet" },
    { label: "Events", href: hrefFor({ page: "events" }), current: route.page === "events" },
    { label: "Settings", href: hrefFor({ page: "settings" }), current: route.page === "settings" }
  ]

  return (
    <AppContext.Provider value={services}>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <div class="topbar-inner">
          <span class="brand">
            WAIaaS <span class="brand-sub">Admin</span>
          </span>
          <nav aria-label="Main" class="nav">
            {nav.map((item) => (
              <Link key={item.href} href={item.href} current={item.current} class="nav-link">
                {item.label}
              </Link>
            ))}
          </nav>
          <button type="button" class="button button-small button-quiet" onClick={() => signOut("manual")}>
            Sign out
          </button>
        </div>
      </header>
      {banner}
      {idleSecondsLeft !== undefined && (
        <div class="banner banner-warn" role="status">
          <div class="banner-inner">
            <p>
              No activity for {formatDuration(timeout - idleSecondsLeft)}: you will be signed out in{" "}
              <strong>{formatDurationPrecise(idleSecondsLeft)}</strong>. Move the mouse or press a key to stay signed in.
            </p>
          </div>
        </div>
      )}
      <main id="main" class="main" tabIndex={-1}>
        <Page route={route} />
      </main>
      <Toasts toasts={toasts} onDismiss={dismissToast} />
    </AppContext.Provider>
  )
}

const Page = (props: { readonly route: Route }) => {
  const route = props.route
  switch (route.page) {
    case "wallets":
      return <WalletsPage />
    case "wallet":
      return <WalletPage key={route.walletId} walletId={route.walletId} />
    case "events":
      return <EventsPage />
    case "settings":
      return <SettingsPage />
    case "notFound":
      return <NotFoundPage path={route.path} />
  }
}
