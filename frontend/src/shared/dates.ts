/**
 * Times as people in the justice department read them: Beijing time, "YYYY-MM-DD HH:mm",
 * whatever the device's own zone. Intl only, no date library: the portal's first page uses it.
 */

export const ZONE = 'Asia/Shanghai'

const BEIJING = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function beijingParts(value: string): Record<string, string> | null {
  const moment = new Date(value)
  if (Number.isNaN(moment.getTime())) return null
  const parts: Record<string, string> = {}
  for (const { type, value: text } of BEIJING.formatToParts(moment)) parts[type] = text
  if (parts.hour === '24') parts.hour = '00' // some engines say 24 for midnight
  return parts
}

/** An API timestamp as "YYYY-MM-DD HH:mm" in Beijing time; `empty` when there is none. */
export function formatDateTime(value: string | null | undefined, empty = ''): string {
  if (!value) return empty
  const p = beijingParts(value)
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : value
}

/** An API timestamp as "YYYY-MM-DD" in Beijing time; `empty` when there is none. */
export function formatDate(value: string | null | undefined, empty = ''): string {
  if (!value) return empty
  const p = beijingParts(value)
  return p ? `${p.year}-${p.month}-${p.day}` : value
}
