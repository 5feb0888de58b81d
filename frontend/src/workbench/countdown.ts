/**
 * "剩 3 个工作日 / 3 working days left": how long until a task is due, in working days on the
 * official calendar (the server counts them: `working_days_left`, negative once overdue).
 */
import i18n from '../app/i18n'
import type { Lang } from '../app/i18n'
import { NS } from './i18n'

export type Tone = 'none' | 'overdue' | 'today' | 'soon' | 'normal'

/** How urgent it looks: overdue and due today stand out; two working days or fewer is "soon". */
export function countdownTone(days: number | null | undefined): Tone {
  if (days === null || days === undefined) return 'none'
  if (days < 0) return 'overdue'
  if (days === 0) return 'today'
  if (days <= 2) return 'soon'
  return 'normal'
}

export function countdownText(days: number | null | undefined, lang: Lang): string {
  const t = i18n.getFixedT(lang, NS)
  if (days === null || days === undefined) return t('countdown.none')
  if (days === 0) return t('countdown.today')
  if (days > 0) return t('countdown.left', { count: days })
  return t('countdown.overdue', { count: -days })
}
