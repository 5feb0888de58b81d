/**
 * The queue's filter state lives in the URL (shareable, survives reload) with the task list's
 * own parameter names, so URL, API query and a saved filter's `query` are the same thing:
 * `/workbench?overdue=true&process=notary_intake&q=2026&ordering=due&page=2`.
 */

/** The quick filters, in the order of their number keys 1-6 (0 is "all"). */
export const PRESETS = ['mine', 'groups', 'unassigned', 'due_today', 'overdue', 'green_channel'] as const
export type Preset = (typeof PRESETS)[number]

export const ORDERINGS = ['due', '-due', 'priority', '-priority', 'created', '-created'] as const
export type Ordering = (typeof ORDERINGS)[number]

/** Other task-list parameters a saved filter may carry; kept as they are. */
const EXTRA_KEYS = ['status', 'due_before', 'priority', 'instance'] as const

export const DEFAULT_PAGE_SIZE = 20
export const PAGE_SIZES = [20, 50, 100]

export interface QueueFilters {
  /** Quick filters switched on (in PRESETS order). */
  flags: Preset[]
  process?: string
  q?: string
  ordering?: Ordering
  page: number
  pageSize: number
  /** Parameters the screen does not edit but keeps (from saved filters or shared links). */
  extra: Record<string, string>
}

export const EMPTY_FILTERS: QueueFilters = { flags: [], page: 1, pageSize: DEFAULT_PAGE_SIZE, extra: {} }

function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1
}

function positiveInt(value: string | null, fallback: number): number {
  const number = Number(value)
  return Number.isInteger(number) && number > 0 ? number : fallback
}

function fromEntries(get: (key: string) => unknown): QueueFilters {
  const flags = PRESETS.filter((preset) => truthy(get(preset)))
  const extra: Record<string, string> = {}
  for (const key of EXTRA_KEYS) {
    const value = get(key)
    if (value !== undefined && value !== null && value !== '') extra[key] = String(value)
  }
  // A quick filter set to false (e.g. green_channel=false) is a real query too: keep it.
  for (const preset of PRESETS) {
    const value = get(preset)
    if (value === false || value === 'false') extra[preset] = 'false'
  }
  const process = get('process')
  const q = get('q')
  const ordering = get('ordering')
  return {
    flags,
    process: typeof process === 'string' && process ? process : undefined,
    q: typeof q === 'string' && q.trim() ? q.trim() : undefined,
    ordering: ORDERINGS.includes(ordering as Ordering) ? (ordering as Ordering) : undefined,
    page: 1,
    pageSize: DEFAULT_PAGE_SIZE,
    extra,
  }
}

export function parseFilters(search: URLSearchParams | string): QueueFilters {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search
  const filters = fromEntries((key) => params.get(key) ?? undefined)
  filters.page = positiveInt(params.get('page'), 1)
  const size = positiveInt(params.get('page_size'), DEFAULT_PAGE_SIZE)
  filters.pageSize = PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE
  return filters
}

/** The task-list query without paging: what a saved filter stores. */
export function toSavedQuery(filters: QueueFilters): Record<string, string | boolean> {
  const query: Record<string, string | boolean> = {}
  for (const flag of PRESETS) if (filters.flags.includes(flag)) query[flag] = true
  if (filters.process) query.process = filters.process
  if (filters.q) query.q = filters.q
  if (filters.ordering) query.ordering = filters.ordering
  for (const [key, value] of Object.entries(filters.extra)) {
    if (!(key in query)) query[key] = value === 'false' ? false : value
  }
  return query
}

export function fromSavedQuery(query: Record<string, unknown>): QueueFilters {
  return fromEntries((key) => query[key])
}

/** The canonical URL parameters (stable order, defaults left out). */
export function toSearchParams(filters: QueueFilters): URLSearchParams {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(toSavedQuery(filters))) params.set(key, String(value))
  if (filters.page > 1) params.set('page', String(filters.page))
  if (filters.pageSize !== DEFAULT_PAGE_SIZE) params.set('page_size', String(filters.pageSize))
  return params
}

export function toApiQuery(filters: QueueFilters): Record<string, string | number | boolean> {
  return { ...toSavedQuery(filters), page: filters.page, page_size: filters.pageSize }
}

/** Which quick filter the state is: 'all' with no conditions, a preset alone, else null. */
export function activePreset(filters: QueueFilters): Preset | 'all' | null {
  if (Object.keys(filters.extra).length) return null
  if (filters.flags.length === 0) return 'all'
  return filters.flags.length === 1 ? filters.flags[0] : null
}

/** Switch to a quick filter: it replaces the other quick filters; search and process stay. */
export function withPreset(filters: QueueFilters, preset: Preset | 'all'): QueueFilters {
  return { ...filters, flags: preset === 'all' ? [] : [preset], extra: {}, page: 1 }
}

/** Do two filter states ask for the same tasks (paging aside)? */
export function sameQuery(a: QueueFilters, b: QueueFilters): boolean {
  const canonical = (f: QueueFilters) => JSON.stringify(Object.entries(toSavedQuery(f)).sort())
  return canonical(a) === canonical(b)
}

/** antd Table's sorter state <-> `ordering`. */
export function orderingFor(field: string | undefined, order: 'ascend' | 'descend' | null | undefined): Ordering | undefined {
  if (!field || !order) return undefined
  const key = field === 'due_at' ? 'due' : field === 'created_at' ? 'created' : field === 'priority' ? 'priority' : null
  if (!key) return undefined
  return (order === 'descend' ? `-${key}` : key) as Ordering
}

export function sortOrderOf(ordering: Ordering | undefined, field: 'due_at' | 'created_at' | 'priority'): 'ascend' | 'descend' | null {
  if (!ordering) return null
  const key = field === 'due_at' ? 'due' : field === 'created_at' ? 'created' : 'priority'
  if (ordering === key) return 'ascend'
  if (ordering === `-${key}`) return 'descend'
  return null
}
