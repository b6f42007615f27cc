import type { ComponentChildren } from "preact"
import { useApp } from "../lib/context.js"

/** A real link (keyboard, middle click, "open in new tab" all work) that navigates without a reload. */
export const Link = (props: {
  readonly href: string
  readonly children: ComponentChildren
  readonly class?: string
  readonly current?: boolean
}) => {
  const { navigate } = useApp()
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current === true ? "page" : undefined}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        event.preventDefault()
        navigate(props.href)
      }}
    >
      {props.children}
    </a>
  )
}
