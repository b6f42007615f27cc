import { type Chain, networksByChain } from "@waiaas/domain/Wallet"
import { useId, useState } from "preact/hooks"
import type { WalletView } from "../api/client.js"
import { ErrorNotice } from "../components/ErrorNotice.js"
import { Link } from "../components/Link.js"
import { PageHeading } from "../components/PageHeading.js"
import { StatusBadge } from "../components/StatusBadge.js"
import { RelativeTime } from "../components/Time.js"
import { RenameWalletDialog, TerminateWalletDialog } from "../components/WalletDialogs.js"
import { useApp } from "../lib/context.js"
import { useAction, useAsync } from "../lib/hooks.js"
import { hrefFor } from "../lib/routes.js"

const chains: ReadonlyArray<{ readonly id: Chain; readonly label: string }> = [
  { id: "solana", label: "Solana" },
  { id: "ethereum", label: "Ethereum" }
]

const CreateWalletForm = (props: { readonly onCreated: (wallet: WalletView) => void }) => {
  const { api, toast } = useApp()
  const nameId = useId()
  const chainId = useId()
  const networkId = useId()
  const [name, setName] = useState("")
  const [chain, setChain] = useState<Chain>("solana")
  const [network, setNetwork] = useState<string>(networksByChain.solana[0])
  const create = useAction((input: { name: string; chain: Chain; network: string }) => api.wallets.create(input))
  return (
    <form
      class="card create-wallet"
      aria-labelledby={`${nameId}-title`}
      onSubmit={async (event) => {
        event.preventDefault()
        const wallet = await create.run({ name: name.trim(), chain, network })
        if (wallet !== undefined) {
          setName("")
          toast(`Wallet “${wallet.name}” created`, "success")
          props.onCreated(wallet)
        }
      }}
    >
      <h2 id={`${nameId}-title`} class="card-title">Create a wallet</h2>
      <div class="form-row">
        <div class="field field-grow">
          <label for={nameId}>Name</label>
          <input
            id={nameId}
            type="text"
            value={name}
            maxLength={100}
            required
            placeholder="e.g. Trading bot"
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={chainId}>Chain</label>
          <select
            id={chainId}
            value={chain}
            onChange={(event) => {
              const next = event.currentTarget.value as Chain
              setChain(next)
              setNetwork(networksByChain[next][0])
            }}
          >
            {chains.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
          </select>
        </div>
        <div class="field">
          <label for={networkId}>Network</label>
          <select id={networkId} value={network} onChange={(event) => setNetwork(event.currentTarget.value)}>
            {networksByChain[chain].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </div>
        <div class="field field-action">
          <button type="submit" class="button button-primary" disabled={create.busy}>
            {create.busy ? "Creating…" : "Create wallet"}
          </button>
        </div>
      </div>
      <ErrorNotice error={create.error} compact />
    </form>
  )
}

export const WalletsPage = () => {
  const { api, navigate } = useApp()
  const wallets = useAsync((signal) => api.wallets.list({ signal }), [])
  const [showTerminated, setShowTerminated] = useState(false)
  const [renaming, setRenaming] = useState<WalletView | undefined>(undefined)
  const [terminating, setTerminating] = useState<WalletView | undefined>(undefined)
  const toggleId = useId()

  const all = wallets.data ?? []
  const terminatedCount = all.filter((w) => w.status === "TERMINATED").length
  const shown = showTerminated ? all : all.filter((w) => w.status !== "TERMINATED")

  return (
    <section>
      <PageHeading title="Wallets">
        <p class="page-lead">Each wallet can have one MCP client: provision it from the wallet's page.</p>
      </PageHeading>
      <CreateWalletForm onCreated={(wallet) => navigate(hrefFor({ page: "wallet", walletId: wallet.id }))} />

      <div class="card">
        <div class="card-header">
          <h2 class="card-title" id="wallet-list-title">All wallets</h2>
          <div class="card-tools">
            {terminatedCount > 0 && (
              <label class="checkbox" for={toggleId}>
                <input
                  id={toggleId}
                  type="checkbox"
                  checked={showTerminated}
                  onChange={(event) => setShowTerminated(event.currentTarget.checked)}
                />
                Show terminated ({terminatedCount})
              </label>
            )}
            <button type="button" class="button button-small" onClick={wallets.reload} disabled={wallets.loading}>
              Refresh
            </button>
          </div>
        </div>
        <ErrorNotice error={wallets.error} title="Could not load the wallets" />
        {wallets.loading && wallets.data === undefined && <p class="loading">Loading wallets…</p>}
        {wallets.data !== undefined && shown.length === 0 && (
          <p class="empty">
            {all.length === 0 ? "No wallets yet. Create one above, then provision an MCP token for it." : "Only terminated wallets."}
          </p>
        )}
        {shown.length > 0 && (
          <table class="table table-stack" aria-labelledby="wallet-list-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Chain</th>
                <th scope="col">Status</th>
                <th scope="col">MCP server</th>
                <th scope="col">Created</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {shown.map((wallet) => (
                <tr key={wallet.id} class={wallet.status === "TERMINATED" ? "row-muted" : undefined}>
                  <td data-label="Name">
                    <Link href={hrefFor({ page: "wallet", walletId: wallet.id })} class="strong-link">{wallet.name}</Link>
                  </td>
                  <td data-label="Chain">{wallet.chain} · {wallet.network}</td>
                  <td data-label="Status"><StatusBadge status={wallet.status} /></td>
                  <td data-label="MCP server">
                    {wallet.serverName === null ? <span class="muted">Not provisioned</span> : <code>{wallet.serverName}</code>}
                  </td>
                  <td data-label="Created"><RelativeTime at={wallet.createdAt} /></td>
                  <td class="actions">
                    {wallet.status !== "TERMINATED" && (
                      <>
                        <button
                          type="button"
                          class="button button-small"
                          aria-label={`Rename ${wallet.name}`}
                          onClick={() => setRenaming(wallet)}
                        >
                          Rename
                        </button>
                        <button
                          type="button"
                          class="button button-small button-danger-quiet"
                          aria-label={`Terminate ${wallet.name}`}
                          onClick={() => setTerminating(wallet)}
                        >
                          Terminate
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <RenameWalletDialog
        wallet={renaming}
        onClose={() => setRenaming(undefined)}
        onRenamed={() => {
          setRenaming(undefined)
          wallets.reload()
        }}
      />
      <TerminateWalletDialog
        wallet={terminating}
        onClose={() => setTerminating(undefined)}
        onTerminated={() => {
          setTerminating(undefined)
          wallets.reload()
        }}
      />
    </section>
  )
}
