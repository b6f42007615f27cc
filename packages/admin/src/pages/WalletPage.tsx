import { WalletId } from "@waiaas/domain/Ids"
import { Option, Schema } from "effect"
import { useState } from "preact/hooks"
import { CopyButton } from "../components/CopyButton.js"
import { ErrorNotice } from "../components/ErrorNotice.js"
import { Link } from "../components/Link.js"
import { PageHeading } from "../components/PageHeading.js"
import { StatusBadge } from "../components/StatusBadge.js"
import { Time } from "../components/Time.js"
import { RenameWalletDialog, TerminateWalletDialog } from "../components/WalletDialogs.js"
import { useApp } from "../lib/context.js"
import { useAsync } from "../lib/hooks.js"
import { hrefFor } from "../lib/routes.js"
import { McpSection } from "./McpSection.js"
import { SessionsSection } from "./SessionsSection.js"

const parseWalletId = Schema.decodeUnknownOption(WalletId)

export const WalletPage = (props: { readonly walletId: string }) => {
  const id = parseWalletId(props.walletId)
  if (Option.isNone(id)) {
    return (
      <section>
        <PageHeading title="Wallet not found" />
        <p>
          <code>{props.walletId}</code> is not a wallet id. <Link href={hrefFor({ page: "wallets" })}>Back to the wallets</Link>
        </p>
      </section>
    )
  }
  return <WalletDetail walletId={id.value} />
}

const WalletDetail = (props: { readonly walletId: WalletId }) => {
  const { api } = useApp()
  // Bumped after every change, so the MCP and session sections reload together.
  const [generation, setGeneration] = useState(0)
  const [renaming, setRenaming] = useState(false)
  const [terminating, setTerminating] = useState(false)
  const wallet = useAsync((signal) => api.wallets.get(props.walletId, { signal }), [props.walletId, generation])
  const changed = () => setGeneration((n) => n + 1)
  const data = wallet.data

  return (
    <section>
      <p class="breadcrumb">
        <Link href={hrefFor({ page: "wallets" })}>← Wallets</Link>
      </p>
      <PageHeading title={data?.name ?? (wallet.error ? "Wallet" : "Loading…")}>
        {data !== undefined && <StatusBadge status={data.status} />}
      </PageHeading>
      <ErrorNotice error={wallet.error} title="Could not load the wallet" />
      {data !== undefined && (
        <>
          <div class="card">
            <dl class="facts facts-grid">
              <div>
                <dt>Wallet id</dt>
                <dd>
                  <code class="break">{data.id}</code> <CopyButton text={data.id} label="wallet id" />
                </dd>
              </div>
              <div>
                <dt>Chain</dt>
                <dd>{data.chain} · {data.network}</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd><Time at={data.createdAt} /></dd>
              </div>
              <div>
                <dt>Updated</dt>
                <dd><Time at={data.updatedAt} /></dd>
              </div>
            </dl>
            {data.status !== "TERMINATED" && (
              <div class="button-row">
                <button type="button" class="button" onClick={() => setRenaming(true)}>Rename</button>
                <button type="button" class="button button-danger-quiet" onClick={() => setTerminating(true)}>
                  Terminate…
                </button>
              </div>
            )}
          </div>
          <McpSection wallet={data} generation={generation} onChanged={changed} />
          <SessionsSection wallet={data} generation={generation} onChanged={changed} />
          <RenameWalletDialog
            wallet={renaming ? data : undefined}
            onClose={() => setRenaming(false)}
            onRenamed={(renamed) => {
              setRenaming(false)
              wallet.set(renamed)
            }}
          />
          <TerminateWalletDialog
            wallet={terminating ? data : undefined}
            onClose={() => setTerminating(false)}
            onTerminated={() => {
              setTerminating(false)
              changed()
            }}
          />
        </>
      )}
    </section>
  )
}
