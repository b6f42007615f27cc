import type { ComponentChildren } from "preact"
import { useId, useRef } from "preact/hooks"

export interface Tab {
  readonly id: string
  readonly label: string
}

/** WAI-ARIA tabs: one tab stop, arrow keys (and Home/End) move between tabs and select them. */
export const Tabs = (props: {
  readonly label: string
  readonly tabs: ReadonlyArray<Tab>
  readonly selected: string
  readonly onSelect: (id: string) => void
  readonly children: ComponentChildren
}) => {
  const base = useId()
  const list = useRef<HTMLDivElement>(null)
  const index = Math.max(0, props.tabs.findIndex((tab) => tab.id === props.selected))
  const select = (next: number) => {
    const tab = props.tabs[(next + props.tabs.length) % props.tabs.length]!
    props.onSelect(tab.id)
    list.current?.querySelector<HTMLElement>(`[data-tab="${CSS.escape(tab.id)}"]`)?.focus()
  }
  return (
    <div class="tabs">
      <div
        ref={list}
        role="tablist"
        aria-label={props.label}
        class="tablist"
        onKeyDown={(event) => {
          const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: props.tabs.length - 1 }
          const next = moves[event.key]
          if (next === undefined) return
          event.preventDefault()
          select(next)
        }}
      >
        {props.tabs.map((tab, i) => (
          <button
            type="button"
            role="tab"
            key={tab.id}
            id={`${base}-tab-${i}`}
            data-tab={tab.id}
            aria-selected={i === index}
            aria-controls={`${base}-panel`}
            tabIndex={i === index ? 0 : -1}
            class="tab"
            onClick={() => props.onSelect(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-tab-${index}`} class="tabpanel" tabIndex={0}>
        {props.children}
      </div>
    </div>
  )
}
