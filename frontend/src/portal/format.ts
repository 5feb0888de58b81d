/** Small display helpers shared by the portal screens (no antd, no rjsf: the home page uses them). */
import type { Lang } from '../app/i18n'
import type { Me } from '../app/types'
import { pickLang } from '../shared/bilingual'

/** "YYYY-MM-DD HH:mm" in Beijing time, whatever the phone's zone. */
export { formatDateTime as formatTime } from '../shared/dates'

/** The applicant-friendly name of a service ("apply for legal aid") or of a case of it ("legal aid application"). */
export function serviceName(key: string, name: string | undefined, lang: Lang, t: (k: string) => string, kind: 'service' | 'case' = 'service'): string {
  const own = t(`portal:${kind}Name.${key}`)
  if (own && !own.endsWith(`Name.${key}`)) return own
  return pickLang(name ?? key, lang)
}

/** The organisation the applicant belongs to (their default place to apply). */
export function homeOrganisation(me: Me | null): number | null {
  const membership = me?.memberships.find((item) => item.role === 'applicant') ?? me?.memberships[0]
  return membership?.organisation.id ?? null
}

/** "继续填写：申请法律援助" / "Continue: Apply for legal aid" (an accessible name that starts with the visible words). */
export function named(label: string, name: string, lang: Lang): string {
  return lang === 'en' ? `${label}: ${name}` : `${label}：${name}`
}
