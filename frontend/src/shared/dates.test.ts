import { describe, expect, it } from 'vitest'

import { formatDate, formatDateTime } from './dates'

describe('Beijing time', () => {
  it('shows any timestamp as Beijing wall-clock time', () => {
    expect(formatDateTime('2026-11-24T21:30:00Z')).toBe('2026-11-25 05:30')
    expect(formatDateTime('2026-10-15T23:59:59+08:00')).toBe('2026-10-15 23:59')
    expect(formatDateTime('2026-10-15T16:00:00Z')).toBe('2026-10-16 00:00')
    expect(formatDate('2026-11-24T21:30:00Z')).toBe('2026-11-25')
  })
  it('says nothing (or what it is told) for a missing time', () => {
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime(undefined, '—')).toBe('—')
  })
})
