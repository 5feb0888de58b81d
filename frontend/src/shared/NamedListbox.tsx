/**
 * antd's Select draws its option list in a popup as `role="listbox"` (id `<id>_list`) with no
 * accessible name of its own: the field's label names the search box, not the list, and axe's
 * `aria-input-field-name` refuses the list whenever the popup is on screen. `popupRender=
 * {namedPopup(label)}` gives every listbox in the popup the field's label, also the one it
 * redraws when the options go from none to some.
 */
import { useLayoutEffect, useRef, type ReactElement, type ReactNode } from 'react'

function NamedListbox({ label, children }: { label: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    const root = ref.current
    if (!root) return
    const name = () =>
      root.querySelectorAll('[role="listbox"]').forEach((list) => {
        if (list.getAttribute('aria-label') !== label) list.setAttribute('aria-label', label)
      })
    name()
    const observer = new MutationObserver(name) // attributes are not watched: no loop
    observer.observe(root, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [label])
  return <div ref={ref}>{children}</div>
}

export function namedPopup(label: string): (menu: ReactElement) => ReactNode {
  return function NamedPopup(menu) {
    return <NamedListbox label={label}>{menu}</NamedListbox>
  }
}
