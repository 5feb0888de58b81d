/**
 * The supervision dashboard's rules, free of React and ECharts so they can be tested alone:
 * rates against targets, period presets on the Beijing calendar, the filters kept in the URL,
 * the API addresses (stats, CSV, drill-down, volume, overdue) and the organisations in scope.
 */
import type { Me } from '../app/types'
import { formatDateTime as formatBeijing, ZONE } from '../shared/dates'

export { ZONE }

export type Line = 'complaints' | 'legal-aid' | 'mediation' | 'notary'
export const LINES: Line[] = ['complaints', 'legal-aid', 'mediation', 'notary']

export type Tab = Line | 'volume' | 'overdue' | 'archives'
export const TABS: Tab[] = [...LINES, 'volume', 'overdue', 'archives']

export type Preset = 'month' | '30d' | 'year'
export const PRESETS: Preset[] = ['month', '30d', 'year']

export type Interval = 'day' | 'week' | 'month'
export const INTERVALS: Interval[] = ['day', 'week', 'month']

// ---------------------------------------------------------------------------------------------
// Rates

/** "87.7%", "100%", or "—" when there was nothing to divide by. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  const rounded = Math.round(value * 10) / 10
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`
}

export type RateStatus = 'below' | 'met' | 'none' | 'untargeted'

/**
 * Where a rate stands: `below` its target (shown red, with a warning icon and the words),
 * `met`, `none` when there is no rate yet (nothing to divide by: not a failure), or
 * `untargeted` when the figure has no target.
 */
export function rateStatus(value: number | null | undefined, target: number | null | undefined): RateStatus {
  if (value === null || value === undefined || Number.isNaN(value)) return 'none'
  if (target === null || target === undefined) return 'untargeted'
  return value < target ? 'below' : 'met'
}

export function isBelowTarget(value: number | null | undefined, target: number | null | undefined): boolean {
  return rateStatus(value, target) === 'below'
}

// ---------------------------------------------------------------------------------------------
// Dates on the Beijing calendar

/** The calendar date (YYYY-MM-DD) that `now` is in Beijing. */
export function shanghaiDate(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(now)
    .reduce<Record<string, string>>((acc, part) => ({ ...acc, [part.type]: part.value }), {})
  return `${parts.year}-${parts.month}-${parts.day}`
}

function parseDay(day: string): Date {
  const [year, month, date] = day.split('-').map(Number)
  return new Date(Date.UTC(year, month - 1, date))
}

function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** `day` moved by `days` calendar days (no time zone involved: dates only). */
export function addDays(day: string, days: number): string {
  const date = parseDay(day)
  date.setUTCDate(date.getUTCDate() + days)
  return formatDay(date)
}

export function isDay(value: string | null | undefined): value is string {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  return formatDay(parseDay(value)) === value
}

export interface Period {
  from: string
  to: string
}

/** A preset's dates, today (Beijing) included: this month, the last 30 days, this year. */
export function presetPeriod(preset: Preset, now: Date = new Date()): Period {
  const today = shanghaiDate(now)
  if (preset === 'month') return { from: `${today.slice(0, 7)}-01`, to: today }
  if (preset === '30d') return { from: addDays(today, -29), to: today }
  return { from: `${today.slice(0, 4)}-01-01`, to: today }
}

/** The preset a period is, if any (so the preset button shows as chosen). */
export function presetOf(period: Period, now: Date = new Date()): Preset | null {
  for (const preset of PRESETS) {
    const dates = presetPeriod(preset, now)
    if (dates.from === period.from && dates.to === period.to) return preset
  }
  return null
}

/** Days in a period, both ends included. */
export function periodDays(period: Period): number {
  return Math.round((parseDay(period.to).getTime() - parseDay(period.from).getTime()) / 86_400_000) + 1
}

/** A sensible interval for the volume chart: days up to a month, weeks up to ~4 months, else months. */
export function autoInterval(period: Period): Interval {
  const days = periodDays(period)
  if (days <= 31) return 'day'
  if (days <= 120) return 'week'
  return 'month'
}

/** The last day of the day/week/month that starts on `start` (the volume API's `period`). */
export function periodEnd(start: string, interval: Interval): string {
  if (interval === 'day') return start
  if (interval === 'week') return addDays(start, 6)
  const date = parseDay(start)
  return formatDay(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)))
}

/** The dates of one chart period, kept within the chosen period. */
export function bucketPeriod(start: string, interval: Interval, within: Period): Period {
  const end = periodEnd(start, interval)
  return { from: start < within.from ? within.from : start, to: end > within.to ? within.to : end }
}

/** An API timestamp as Beijing time, "YYYY-MM-DD HH:mm"; "—" when there is none. */
export function formatDateTime(value: string | null | undefined): string {
  return formatBeijing(value, '—')
}

// ---------------------------------------------------------------------------------------------
// Filters in the URL

export interface Filters {
  organisation: string // organisation code
  from: string
  to: string
}

export interface DashboardState extends Filters {
  tab: Tab
  interval: Interval | null // null: chosen from the period
}

export const DEFAULT_PRESET: Preset = 'year'

/** The dashboard's state from the address bar; anything missing or malformed falls back. */
export function readState(params: URLSearchParams, defaultOrganisation: string, now: Date = new Date()): DashboardState {
  const fallback = presetPeriod(DEFAULT_PRESET, now)
  const preset = params.get('preset') as Preset | null
  let period: Period = fallback
  if (preset && PRESETS.includes(preset)) period = presetPeriod(preset, now)
  else {
    const from = params.get('from')
    const to = params.get('to')
    if (isDay(from) && isDay(to) && from <= to) period = { from, to }
    else if (isDay(from) && !to) period = { from, to: fallback.to }
  }
  const tab = params.get('tab') as Tab | null
  const interval = params.get('interval') as Interval | null
  return {
    organisation: params.get('org') || defaultOrganisation,
    ...period,
    tab: tab && TABS.includes(tab) ? tab : 'complaints',
    interval: interval && INTERVALS.includes(interval) ? interval : null,
  }
}

/**
 * The address-bar form of the state. A preset period is kept as its name, so a bookmark of
 * "this month" still means this month next month; other periods as their dates.
 */
export function writeState(state: DashboardState, now: Date = new Date()): URLSearchParams {
  const params = new URLSearchParams()
  params.set('org', state.organisation)
  const preset = presetOf(state, now)
  if (preset) params.set('preset', preset)
  else {
    params.set('from', state.from)
    params.set('to', state.to)
  }
  params.set('tab', state.tab)
  if (state.interval) params.set('interval', state.interval)
  return params
}

// ---------------------------------------------------------------------------------------------
// API addresses

type Query = Record<string, string | number | null | undefined>

function query(values: Query): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  return params.toString()
}

function scopeQuery(filters: Filters): Query {
  return { organisation: filters.organisation, from: filters.from, to: filters.to }
}

export function statsUrl(line: Line, filters: Filters): string {
  return `/api/v1/${line}/stats?${query(scopeQuery(filters))}`
}

/** The figures as a CSV file (UTF-8 with BOM, bilingual header), as the stats endpoint exports them. */
export function statsCsvUrl(line: Line, filters: Filters): string {
  return `/api/v1/${line}/stats?${query({ ...scopeQuery(filters), format: 'csv' })}`
}

/** The cases behind one figure (`figure` is the count's dotted key in the stats answer). */
export function drillUrl(line: Line, figure: string, filters: Filters): string {
  return `/api/v1/figures/cases?${query({ line, figure, ...scopeQuery(filters) })}`
}

export function volumeUrl(filters: Filters, interval: Interval): string {
  return `/api/v1/figures/volume?${query({ ...scopeQuery(filters), interval })}`
}

/** The archive rate (closed cases with an archive / closed cases) per process and organisation. */
export function archivesUrl(filters: Filters): string {
  return `/api/v1/figures/archives?${query(scopeQuery(filters))}`
}

export function overdueUrl(organisation: string, page = 1, pageSize = 20): string {
  return `/api/v1/figures/overdue?${query({ organisation, page, page_size: pageSize })}`
}

/** The workbench's case view. */
export function caseUrl(instance: number): string {
  return `/workbench/cases/${instance}`
}

// ---------------------------------------------------------------------------------------------
// Reading numbers out of a stats answer

/** The number at a dotted path ("counts.accepted"); a list counts as its length. */
export function valueAt(answer: unknown, path: string): number | null {
  let node: unknown = answer
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return null
    node = (node as Record<string, unknown>)[part]
  }
  if (Array.isArray(node)) return node.length
  return typeof node === 'number' ? node : null
}

// Which line's figures a process feeds (for drilling into the volume chart).
export const PROCESS_LINE: Record<string, Line> = {
  complaint: 'complaints',
  legal_aid_application: 'legal-aid',
  mediation: 'mediation',
  notary_intake: 'notary',
}

/** The figure counting a line's cohort (cases received). */
export const RECEIVED_FIGURE: Record<Line, string> = {
  complaints: 'counts.received',
  'legal-aid': 'received',
  mediation: 'counts.received',
  notary: 'received',
}

// ---------------------------------------------------------------------------------------------
// Organisations in scope

export interface Organisation {
  id: number
  code: string
  name: string
  name_en: string
  level: string
  parent: number | null
}

export interface ScopedOrganisation extends Organisation {
  depth: number
}

/**
 * The organisations a user's figures may cover: each organisation where they hold a staff role
 * (any role but applicant, as the server counts scope) and everything below it, in tree order,
 * with the depth below the user's own for indentation.
 */
export function organisationsInScope(all: Organisation[], me: Pick<Me, 'memberships'> | null): ScopedOrganisation[] {
  if (!me) return []
  const roots = new Set(me.memberships.filter((m) => m.role !== 'applicant').map((m) => m.organisation.id))
  const byId = new Map(all.map((org) => [org.id, org]))
  const children = new Map<number | null, Organisation[]>()
  for (const org of all) {
    const siblings = children.get(org.parent) ?? []
    siblings.push(org)
    children.set(org.parent, siblings)
  }
  const out: ScopedOrganisation[] = []
  const seen = new Set<number>()
  const walk = (org: Organisation, depth: number) => {
    if (seen.has(org.id)) return
    seen.add(org.id)
    out.push({ ...org, depth })
    for (const child of children.get(org.id) ?? []) walk(child, depth + 1)
  }
  // Keep the server's tree order: visit roots in the order they appear in the list.
  for (const org of all) {
    if (!roots.has(org.id)) continue
    // A root below another root is covered by that one.
    let parent = org.parent
    let covered = false
    while (parent !== null) {
      if (roots.has(parent)) covered = true
      parent = byId.get(parent)?.parent ?? null
    }
    if (!covered) walk(org, 0)
  }
  return out
}

/** The organisation the figures open on: the user's first staff membership (as the API defaults). */
export function defaultOrganisation(me: Pick<Me, 'memberships'> | null): string {
  const first = me?.memberships.find((m) => m.role !== 'applicant')
  return first?.organisation.code ?? ''
}
