import { Link } from "../components/Link.js"
import { PageHeading } from "../components/PageHeading.js"
import { hrefFor } from "../lib/routes.js"

export const NotFoundPage = (props: { readonly path: string }) => (
  <section>
    <PageHeading title="Page not found" />
    <p>
      There is no page at <code>{props.path}</code>. <Link href={hrefFor({ page: "wallets" })}>Go to the wallets</Link>.
    </p>
  </section>
)
