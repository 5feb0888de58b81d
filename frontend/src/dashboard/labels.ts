import type { TFunction } from 'i18next'

import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import type { Line } from './logic'

interface GroundRow {
  ground: string
  title: string
  count: number
}

/** A figure's name in the user's language; family members (channel, ground) by their value. */
export function figureLabel(t: TFunction, line: Line, key: string, lang: Lang, answer?: unknown): string {
  const sep = lang === 'zh' ? '：' : ': '
  if (key.startsWith('by_channel.')) {
    const channel = key.slice('by_channel.'.length)
    return `${t('byChannel')}${sep}${t(`channel.${channel}`, { defaultValue: channel })}`
  }
  if (key.startsWith('ineligible.by_ground.')) {
    const ground = key.slice('ineligible.by_ground.'.length)
    const rows = ((answer as { ineligible?: { by_ground?: GroundRow[] } } | undefined)?.ineligible?.by_ground ?? [])
    const row = rows.find((item) => item.ground === ground)
    return `${t('byGround')}${sep}${row ? pickLang(row.title, lang) : ground}`
  }
  const label = t(`fig.${line}.${key}`, { defaultValue: key })
  return typeof label === 'string' ? label : key
}
