import { describe, expect, it } from 'vitest'

import {
  activePreset,
  EMPTY_FILTERS,
  fromSavedQuery,
  orderingFor,
  parseFilters,
  sameQuery,
  sortOrderOf,
  toApiQuery,
  toSavedQuery,
  toSearchParams,
  withPreset,
} from './filters'

describe('queue filters in the URL', () => {
  it('survive a round trip through the URL unchanged', () => {
    const search = 'overdue=true&green_channel=true&process=notary_intake&q=2026&ordering=-due&page=3&page_size=50'
    const filters = parseFilters(search)
    expect(filters).toEqual({
      flags: ['overdue', 'green_channel'],
      process: 'notary_intake',
      q: '2026',
      ordering: '-due',
      page: 3,
      pageSize: 50,
      extra: {},
    })
    expect(parseFilters(toSearchParams(filters))).toEqual(filters)
  })

  it('writes a canonical URL: quick filters in key order, defaults left out', () => {
    const filters = parseFilters('q=%20abc%20&page=1&page_size=20&green_channel=1&mine=true')
    expect(toSearchParams(filters).toString()).toBe('mine=true&green_channel=true&q=abc')
  })

  it('ignores what the task list would refuse', () => {
    const filters = parseFilters('ordering=sideways&page=-2&page_size=7&overdue=maybe')
    expect(filters).toEqual(EMPTY_FILTERS)
    expect(toSearchParams(filters).toString()).toBe('')
  })

  it('keeps other task-list parameters a saved filter or a shared link carries', () => {
    const filters = parseFilters('priority=90&green_channel=false&due_before=2026-12-01T00:00:00%2B08:00')
    expect(filters.extra).toEqual({ priority: '90', green_channel: 'false', due_before: '2026-12-01T00:00:00+08:00' })
    expect(toSavedQuery(filters)).toEqual({ priority: '90', green_channel: false, due_before: '2026-12-01T00:00:00+08:00' })
    expect(activePreset(filters)).toBeNull()
  })

  it('are the same query for the API, with paging added', () => {
    const filters = parseFilters('due_today=true&q=HP&page=2')
    expect(toApiQuery(filters)).toEqual({ due_today: true, q: 'HP', page: 2, page_size: 20 })
  })

  it('save and reload as a named filter', () => {
    const filters = parseFilters('mine=true&process=mediation&ordering=due&page=4')
    const saved = toSavedQuery(filters)
    expect(saved).toEqual({ mine: true, process: 'mediation', ordering: 'due' })
    const restored = fromSavedQuery(JSON.parse(JSON.stringify(saved)))
    expect(restored.page).toBe(1)
    expect(sameQuery(restored, filters)).toBe(true)
    expect(sameQuery(restored, withPreset(filters, 'overdue'))).toBe(false)
  })

  it('switch quick filters, keeping search and process and going back to page 1', () => {
    const filters = parseFilters('mine=true&overdue=true&process=complaint&q=x&page=5')
    expect(activePreset(filters)).toBeNull()
    const next = withPreset(filters, 'green_channel')
    expect(toSearchParams(next).toString()).toBe('green_channel=true&process=complaint&q=x')
    expect(activePreset(next)).toBe('green_channel')
    expect(activePreset(withPreset(next, 'all'))).toBe('all')
  })

  it('map table sorting to `ordering` and back', () => {
    expect(orderingFor('due_at', 'ascend')).toBe('due')
    expect(orderingFor('priority', 'descend')).toBe('-priority')
    expect(orderingFor('created_at', null)).toBeUndefined()
    expect(sortOrderOf('-created', 'created_at')).toBe('descend')
    expect(sortOrderOf('-created', 'due_at')).toBeNull()
  })
})
