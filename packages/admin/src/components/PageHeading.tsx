import type { ComponentChildren } from "preact"
import { useEffect } from "preact/hooks"

/** The page's h1 (focused after navigation, so screen readers announce the new page) and document title. */
export const PageHeading = (props: { readonly title: string; readonly children?: ComponentChildren }) => {
  useEffect(() => {
    document.title = `${props.title} · WAIaaS Admin`
  }, [props.title])
  return (
    <div class="page-heading">
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.children}
    </div>
  )
}
