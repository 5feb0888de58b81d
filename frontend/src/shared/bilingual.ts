/**
 * Lexflow's server text is bilingual in one string: "中文 / English". Show the half that
 * matches the language, or the whole string when it has no English half.
 */
import type { Lang } from '../app/i18n'

export function pickLang(text: string | null | undefined, lang: Lang): string {
  if (!text) return ''
  let index = text.indexOf(' / ')
  let width = 3
  if (index < 0) {
    // "家庭人均月收入（元）/ Monthly income": no space after full-width punctuation.
    const match = /[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]\/ /.exec(text)
    if (!match) return text
    index = match.index + 1
    width = 2
  }
  const zh = text.slice(0, index).trim()
  const en = text.slice(index + width).trim()
  return lang === 'en' ? en || zh : zh || en
}

/** Walks a JSON schema (or ui schema) and picks the language in every title/description. */
export function localiseSchema<T>(schema: T, lang: Lang): T {
  if (Array.isArray(schema)) return schema.map((item) => localiseSchema(item, lang)) as T
  if (!schema || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if ((key === 'title' || key === 'description' || key === 'ui:title' || key === 'ui:description' || key === 'ui:help' || key === 'ui:placeholder') && typeof value === 'string') {
      out[key] = pickLang(value, lang)
    } else if (key === 'enumNames' && Array.isArray(value)) {
      out[key] = value.map((item) => (typeof item === 'string' ? pickLang(item, lang) : item))
    } else if (key === 'ui:enumNames' && Array.isArray(value)) {
      out[key] = value.map((item) => (typeof item === 'string' ? pickLang(item, lang) : item))
    } else {
      out[key] = localiseSchema(value, lang)
    }
  }
  return out as T
}
