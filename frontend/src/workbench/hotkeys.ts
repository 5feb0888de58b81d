/**
 * Keyboard shortcuts that never get in the way of typing: a key typed into an input, textarea,
 * select or editable element is left alone (unless a binding says otherwise, e.g. Ctrl+Enter).
 */
import { useEffect, useRef } from 'react'

export interface Hotkey {
  /** `event.key` values, e.g. ['j', 'ArrowDown'], or a predicate. */
  keys: string[] | ((event: KeyboardEvent) => boolean)
  handler: (event: KeyboardEvent) => void
  /** Also fires while the focus is in a text field (Ctrl+Enter to submit). */
  whileTyping?: boolean
  /** Also fires on a focused link or button (Enter would otherwise activate it twice). */
  onControls?: boolean
}

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  const tag = target.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type)
  }
  return target.getAttribute('role') === 'combobox' || target.getAttribute('role') === 'textbox'
}

function isControl(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return Boolean(target.closest('a[href], button, [role="button"], [role="menuitem"], [role="tab"], input, select, textarea'))
}

/** Keys pressed inside a dialog or popup belong to it (antd keeps the focus there while open). */
function inPopup(target: EventTarget | null): boolean {
  return target instanceof Element && Boolean(target.closest('[role="dialog"], .ant-popover, .ant-dropdown, .ant-select-dropdown'))
}

export function useHotkeys(bindings: Hotkey[], enabled = true): void {
  const ref = useRef(bindings)
  ref.current = bindings
  useEffect(() => {
    if (!enabled) return
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.isComposing) return
      const typing = isTypingTarget(event.target)
      for (const binding of ref.current) {
        const matches =
          typeof binding.keys === 'function' ? binding.keys(event) : binding.keys.includes(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey
        if (!matches) continue
        if (typing && !binding.whileTyping) continue
        if (!typing && !binding.onControls && event.key === 'Enter' && isControl(event.target)) continue
        if (!binding.whileTyping && inPopup(event.target)) continue
        event.preventDefault()
        binding.handler(event)
        return
      }
    }
    document.addEventListener('keydown', onKeyDown)
    return () => document.removeEventListener('keydown', onKeyDown)
  }, [enabled])
}
