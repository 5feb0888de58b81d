/**
 * "What is asked of you now": the one-time list of missing material a caseworker sent
 * (`missing_materials: [{material, detail}]` in the case data), in words. The codes get their
 * names from the choices of the task's own form (e.g. the supplement form's material list).
 */
import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'

type Node = unknown

/** Every {const, title} choice anywhere in the schemas: code -> bilingual title. */
export function choiceLabels(...schemas: Node[]): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (node: Node) => {
    if (Array.isArray(node)) {
      node.forEach(walk)
      return
    }
    if (!node || typeof node !== 'object') return
    const record = node as Record<string, unknown>
    if (typeof record.const === 'string' && typeof record.title === 'string' && !(record.const in out)) {
      out[record.const] = record.title
    }
    Object.values(record).forEach(walk)
  }
  schemas.forEach(walk)
  return out
}

export interface MissingItem {
  label: string
  detail: string
}

/** The missing material in plain words; strings or {material, detail} objects alike. */
export function missingList(value: unknown, labels: Record<string, string>, lang: Lang): MissingItem[] {
  if (!Array.isArray(value)) return []
  return value
    .map((item) => {
      if (typeof item === 'string') return { label: pickLang(labels[item] ?? item, lang), detail: '' }
      if (!item || typeof item !== 'object') return null
      const record = item as Record<string, unknown>
      const code = typeof record.material === 'string' ? record.material : ''
      const detail = typeof record.detail === 'string' ? pickLang(record.detail, lang) : ''
      return { label: code ? pickLang(labels[code] ?? code, lang) : detail, detail: code ? detail : '' }
    })
    .filter((item): item is MissingItem => Boolean(item && item.label))
}
