/** How a version diff is drawn: one colour, symbol and word per kind of change. */

export type ChangeKind = 'added' | 'removed' | 'changed'

export interface ElementRef {
  id: string
  type: string
  name: string
}

export interface ElementChange extends ElementRef {
  changes: string[]
}

export interface ProcessDiff {
  from: number
  to: number
  added: ElementRef[]
  removed: ElementRef[]
  changed: ElementChange[]
  files_changed: string[]
}

/** Colour is never the only signal: each kind also has a symbol and a word. */
/** `color` outlines the element, `text` is the darker shade words are written in (WCAG AA on `fill`). */
export const LEGEND: Record<ChangeKind, { color: string; text: string; fill: string; symbol: string; marker: string }> = {
  added: { color: '#2e7d32', text: '#1b5e20', fill: '#e3f4e4', symbol: '+', marker: 'lexflow-diff-added' },
  removed: { color: '#c62828', text: '#a01818', fill: '#fde7e7', symbol: '−', marker: 'lexflow-diff-removed' },
  changed: { color: '#b26a00', text: '#7a4800', fill: '#fff1d6', symbol: '~', marker: 'lexflow-diff-changed' },
}

export const KINDS: ChangeKind[] = ['added', 'removed', 'changed']

/**
 * Which elements to mark in each viewer: what was removed is only in the old diagram, what was
 * added only in the new one, a changed element in both.
 */
export function diffMarkers(diff: ProcessDiff): { from: Record<string, ChangeKind>; to: Record<string, ChangeKind> } {
  const from: Record<string, ChangeKind> = {}
  const to: Record<string, ChangeKind> = {}
  for (const element of diff.removed) from[element.id] = 'removed'
  for (const element of diff.added) to[element.id] = 'added'
  for (const element of diff.changed) {
    from[element.id] = 'changed'
    to[element.id] = 'changed'
  }
  return { from, to }
}

export interface DiffRow extends ElementRef {
  key: string
  kind: ChangeKind
  changes: string[]
}

/** The list beside the diagrams: changed first (what a reviewer reads most), then added, removed. */
export function diffRows(diff: ProcessDiff): DiffRow[] {
  return [
    ...diff.changed.map((element) => ({ ...element, kind: 'changed' as const, key: `changed:${element.id}` })),
    ...diff.added.map((element) => ({ ...element, changes: [], kind: 'added' as const, key: `added:${element.id}` })),
    ...diff.removed.map((element) => ({ ...element, changes: [], kind: 'removed' as const, key: `removed:${element.id}` })),
  ]
}

export function diffIsEmpty(diff: ProcessDiff): boolean {
  return !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.files_changed.length
}
