import type { EventId, EventType } from "@waiaas/domain/Notifier"
import { useId, useMemo, useState } from "preact/hooks"
import type { EventView } from "../api/client.js"
import { ErrorNotice } from "../components/ErrorNotice.js"
import { Link } from "../components/Link.js"
import { PageHeading } from "../components/PageHeading.js"
import { Time } from "../components/Time.js"
import { useApp } from "../lib/context.js"
import { useAsync } from "../lib/hooks.js"
import { hrefFor } from "../lib/routes.js"

const EVENT_LABELS: Record<EventType, string> = {
  SESSION_CREATED: "Session created",
  SESSION_RENEWED: "Session renewed",
  SESSION_REVOKED: "Session revoked",
  SESSION_EXPIRED: "Session expired",
  SESSION_REINSTATED: "Session reinstated",
  MCP_TOKEN_PROVISIONED: "MCP token provisioned",
  SECRET_ROTATED: "Secret rotated",
  MASTER_AUTH_FAILED: "Master password refused",
  WALLET_TERMINATED: "Wallet terminated"
}

const EVENT_TONES: Partial<Record<EventType, string>> = {
  MASTER_AUTH_FAILED: "warn",
  SESSION_REVOKED: "warn",
  WALLET_TERMINATED: "warn",
  SECRET_ROTATED: "info"
}

const PAGE_SIZES = [25, 50, 100] as const

const shortId = (id: string) => `${id.slice(0, 8)}…${id.slice(-4)}`

const Details = (props: { readonly details: EventView["details"] }) => {
  const entries = Object.entries(props.details)
  if (entries.length === 0) return <span class="muted">—</span>
  return (
    <ul class="kv">
      {entries.map(([key, value]) => (
        <li key={key}>
          <span class="kv-key">{key}</span> <span class="kv-value">{String(value)}</span>
        </li>
      ))}
    </ul>
  )
}

export const EventsPage = () => {
  const { api } = useApp()
  const sizeId = useId()
  const titleId = useId()
  const [pageSize, setPageSize] = useState<number>(50)
  // The cursor of each page seen so far: [undefined] is the newest page; "Older" pushes, "Newer" pops.
  const [cursors, setCursors] = useState<ReadonlyArray<EventId | undefined>>([undefined])
  const [refreshes, setRefreshes] = useState(0)
  const cursor = cursors[cursors.length - 1]
  const page = useAsync((signal) => api.admin.events({ limit: pageSize, cursor }, { signal }), [pageSize, cursor, refreshes])
  const wallets = useAsync((signal) => api.wallets.list({ signal }), [])
  const names = useMemo(() => new Map((wallets.data ?? []).map((w) => [w.id as string, w.name])), [wallets.data])
  const items = page.data?.items ?? []
  const nextCursor = page.data?.nextCursor ?? null
  const pageNumber = cursors.length

  const toNewest = () => {
    setCursors([undefined])
    setRefreshes((n) => n + 1)
  }

  const pager = (
    <nav class="pager" aria-label="Event pages">
      <button type="button" class="button button-small" disabled={pageNumber === 1 || page.loading} onClick={() => setCursors((c) => c.slice(0, -1))}>
        ← Newer
      </button>
      <span class="pager-status" aria-live="polite">Page {pageNumber}</span>
      <button
        type="button"
        class="button button-small"
        disabled={nextCursor === null || page.loading}
        onClick={() => nextCursor !== null && setCursors((c) => [...c, nextCursor])}
      >
        Older →
      </button>
    </nav>
  )

  return (
    <section>
      <PageHeading title="Events">
        <p class="page-lead">The daemon's audit log, newest first. It never records a token or a password.</p>
      </PageHeading>
      <div class="card">
        <div class="card-header">
          <h2 class="card-title" id={titleId}>Audit log</h2>
          <div class="card-tools">
            <div class="field field-inline">
              <label for={sizeId}>Per page</label>
              <select
                id={sizeId}
                value={String(pageSize)}
                onChange={(event) => {
                  setPageSize(Number(event.currentTarget.value))
                  setCursors([undefined])
                }}
              >
                {PAGE_SIZES.map((size) => <option key={size} value={String(size)}>{size}</option>)}
              </select>
            </div>
            <button type="button" class="button button-small" onClick={toNewest} disabled={page.loading}>
              Newest
            </button>
          </div>
        </div>
        <ErrorNotice error={page.error} title="Could not load the events" />
        {page.loading && page.data === undefined && <p class="loading">Loading events…</p>}
        {page.data !== undefined && items.length === 0 && <p class="empty">No events yet.</p>}
        {items.length > 0 && (
          <table class="table table-stack events-table" aria-labelledby={titleId}>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Wallet</th>
                <th scope="col">Session</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => (
                <tr key={event.id}>
                  <td data-label="Time"><Time at={event.at} /></td>
                  <td data-label="Event">
                    <span class={`event-type event-${EVENT_TONES[event.type] ?? "plain"}`}>{EVENT_LABELS[event.type] ?? event.type}</span>
                  </td>
                  <td data-label="Wallet">
                    {event.walletId === null
                      ? <span class="muted">—</span>
                      : (
                        <Link href={hrefFor({ page: "wallet", walletId: event.walletId })}>
                          {names.get(event.walletId) ?? shortId(event.walletId)}
                        </Link>
                      )}
                  </td>
                  <td data-label="Session">
                    {event.sessionId === null ? <span class="muted">—</span> : <code title={event.sessionId}>{shortId(event.sessionId)}</code>}
                  </td>
                  <td data-label="Details"><Details details={event.details} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {(pageNumber > 1 || nextCursor !== null) && pager}
      </div>
    </section>
  )
}
