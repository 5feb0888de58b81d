import { describe, expect, it } from 'vitest'

import {
  autoInterval,
  bucketPeriod,
  caseUrl,
  defaultOrganisation,
  drillUrl,
  formatDateTime,
  formatRate,
  isBelowTarget,
  organisationsInScope,
  overdueUrl,
  periodEnd,
  presetOf,
  presetPeriod,
  rateStatus,
  readState,
  shanghaiDate,
  statsCsvUrl,
  statsUrl,
  valueAt,
  volumeUrl,
  writeState,
  type Organisation,
} from './logic'

describe('rates', () => {
  it('formats one decimal, drops a trailing .0 and shows a dash when there is nothing to divide', () => {
    expect(formatRate(87.7)).toBe('87.7%')
    expect(formatRate(100)).toBe('100%')
    expect(formatRate(100.0)).toBe('100%')
    expect(formatRate(0)).toBe('0%')
    expect(formatRate(33.333)).toBe('33.3%')
    expect(formatRate(99.96)).toBe('100%')
    expect(formatRate(null)).toBe('—')
    expect(formatRate(undefined)).toBe('—')
  })

  it('is below target only when there is a rate and it is under the target', () => {
    expect(isBelowTarget(99.9, 100)).toBe(true)
    expect(isBelowTarget(100, 100)).toBe(false)
    expect(isBelowTarget(86, 85)).toBe(false)
    expect(isBelowTarget(0, 100)).toBe(true)
    // No complaint was eligible: no rate, which is not a failure.
    expect(isBelowTarget(null, 100)).toBe(false)
    // A figure without a target is never "below".
    expect(isBelowTarget(10, null)).toBe(false)
  })

  it('tells the four states apart', () => {
    expect(rateStatus(87.7, 100)).toBe('below')
    expect(rateStatus(100, 100)).toBe('met')
    expect(rateStatus(null, 100)).toBe('none')
    expect(rateStatus(40, undefined)).toBe('untargeted')
  })
})

describe('periods on the Beijing calendar', () => {
  // 2026-11-24 21:30 UTC is already 2026-11-25 05:30 in Beijing.
  const lateUtc = new Date('2026-11-24T21:30:00Z')
  // 2026-03-01 15:59 UTC is 23:59 on 1 March in Beijing; a minute later it is 2 March.
  const endOfFirst = new Date('2026-03-01T15:59:00Z')

  it('takes today from Beijing, not from UTC', () => {
    expect(shanghaiDate(lateUtc)).toBe('2026-11-25')
    expect(shanghaiDate(endOfFirst)).toBe('2026-03-01')
    expect(shanghaiDate(new Date('2026-03-01T16:00:00Z'))).toBe('2026-03-02')
  })

  it('turns presets into from/to dates, today included', () => {
    expect(presetPeriod('month', lateUtc)).toEqual({ from: '2026-11-01', to: '2026-11-25' })
    expect(presetPeriod('30d', lateUtc)).toEqual({ from: '2026-10-27', to: '2026-11-25' })
    expect(presetPeriod('year', lateUtc)).toEqual({ from: '2026-01-01', to: '2026-11-25' })
    // New Year's Eve 18:00 UTC is already 1 January in Beijing: "this year" is the new one.
    expect(presetPeriod('year', new Date('2026-12-31T18:00:00Z'))).toEqual({ from: '2027-01-01', to: '2027-01-01' })
    // The last 30 days cross the end of February in a non-leap year.
    expect(presetPeriod('30d', endOfFirst)).toEqual({ from: '2026-01-31', to: '2026-03-01' })
    expect(presetPeriod('month', endOfFirst)).toEqual({ from: '2026-03-01', to: '2026-03-01' })
  })

  it('recognises a period that is a preset', () => {
    expect(presetOf({ from: '2026-11-01', to: '2026-11-25' }, lateUtc)).toBe('month')
    expect(presetOf({ from: '2026-10-27', to: '2026-11-25' }, lateUtc)).toBe('30d')
    expect(presetOf({ from: '2026-10-01', to: '2026-11-25' }, lateUtc)).toBeNull()
  })

  it('chooses a chart interval from the period length and knows where each period ends', () => {
    expect(autoInterval({ from: '2026-11-01', to: '2026-11-25' })).toBe('day')
    expect(autoInterval({ from: '2026-09-01', to: '2026-11-25' })).toBe('week')
    expect(autoInterval({ from: '2026-01-01', to: '2026-11-25' })).toBe('month')
    expect(periodEnd('2026-02-01', 'month')).toBe('2026-02-28')
    expect(periodEnd('2028-02-01', 'month')).toBe('2028-02-29')
    expect(periodEnd('2026-11-23', 'week')).toBe('2026-11-29')
    expect(periodEnd('2026-11-23', 'day')).toBe('2026-11-23')
    // A chart period is kept inside the chosen period.
    expect(bucketPeriod('2026-11-23', 'week', { from: '2026-11-01', to: '2026-11-25' })).toEqual({
      from: '2026-11-23',
      to: '2026-11-25',
    })
    expect(bucketPeriod('2026-09-01', 'month', { from: '2026-09-15', to: '2026-11-25' })).toEqual({
      from: '2026-09-15',
      to: '2026-09-30',
    })
  })

  it('shows API timestamps in Beijing time', () => {
    expect(formatDateTime('2026-11-24T21:30:00Z')).toBe('2026-11-25 05:30')
    expect(formatDateTime('2026-10-15T23:59:59+08:00')).toBe('2026-10-15 23:59')
    expect(formatDateTime(null)).toBe('—')
  })
})

describe('filters in the URL', () => {
  const now = new Date('2026-11-24T21:30:00Z')

  it('falls back to the user organisation and this year', () => {
    expect(readState(new URLSearchParams(''), 'LN-SY', now)).toEqual({
      organisation: 'LN-SY',
      from: '2026-01-01',
      to: '2026-11-25',
      tab: 'complaints',
      interval: null,
    })
  })

  it('reads presets, dates, tab and interval, and ignores nonsense', () => {
    const preset = readState(new URLSearchParams('org=LN-SY-HP&preset=month&tab=volume&interval=week'), 'LN-SY', now)
    expect(preset).toMatchObject({ organisation: 'LN-SY-HP', from: '2026-11-01', to: '2026-11-25', tab: 'volume', interval: 'week' })
    const dates = readState(new URLSearchParams('from=2026-10-01&to=2026-10-31&tab=notary'), 'LN-SY', now)
    expect(dates).toMatchObject({ from: '2026-10-01', to: '2026-10-31', tab: 'notary' })
    const nonsense = readState(new URLSearchParams('from=2026-02-30&to=x&tab=admin&interval=hour&preset=ever'), 'LN-SY', now)
    expect(nonsense).toMatchObject({ from: '2026-01-01', to: '2026-11-25', tab: 'complaints', interval: null })
    const reversed = readState(new URLSearchParams('from=2026-11-01&to=2026-10-01'), 'LN-SY', now)
    expect(reversed).toMatchObject({ from: '2026-01-01', to: '2026-11-25' })
  })

  it('writes a preset as its name and other periods as dates, and reads back the same', () => {
    const preset = writeState({ organisation: 'LN-SY', from: '2026-10-27', to: '2026-11-25', tab: 'complaints', interval: null }, now)
    expect(preset.toString()).toBe('org=LN-SY&preset=30d&tab=complaints')
    const custom = { organisation: 'LN-SY-HP', from: '2026-10-01', to: '2026-10-31', tab: 'legal-aid' as const, interval: 'day' as const }
    const written = writeState(custom, now)
    expect(written.toString()).toBe('org=LN-SY-HP&from=2026-10-01&to=2026-10-31&tab=legal-aid&interval=day')
    expect(readState(written, 'LN-SY', now)).toEqual(custom)
  })
})

describe('API addresses built from the filters', () => {
  const filters = { organisation: 'LN-SY-HP', from: '2026-10-01', to: '2026-10-31' }

  it('asks for the stats and their CSV export of a line', () => {
    expect(statsUrl('complaints', filters)).toBe('/api/v1/complaints/stats?organisation=LN-SY-HP&from=2026-10-01&to=2026-10-31')
    expect(statsCsvUrl('legal-aid', filters)).toBe(
      '/api/v1/legal-aid/stats?organisation=LN-SY-HP&from=2026-10-01&to=2026-10-31&format=csv',
    )
  })

  it('asks for the cases behind a figure, with its dotted key', () => {
    const url = new URL(drillUrl('mediation', 'counts.escalations.judicial', filters), 'http://x')
    expect(url.pathname).toBe('/api/v1/figures/cases')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      line: 'mediation',
      figure: 'counts.escalations.judicial',
      organisation: 'LN-SY-HP',
      from: '2026-10-01',
      to: '2026-10-31',
    })
  })

  it('asks for volume and overdue work, and links cases to the workbench', () => {
    expect(volumeUrl(filters, 'week')).toBe(
      '/api/v1/figures/volume?organisation=LN-SY-HP&from=2026-10-01&to=2026-10-31&interval=week',
    )
    expect(overdueUrl('LN-SY', 2, 20)).toBe('/api/v1/figures/overdue?organisation=LN-SY&page=2&page_size=20')
    expect(caseUrl(42)).toBe('/workbench/cases/42')
  })

  it('escapes what it puts in the query', () => {
    expect(statsUrl('notary', { organisation: 'A&B', from: '2026-01-01', to: '2026-01-31' })).toContain('organisation=A%26B&')
  })
})

describe('numbers in a stats answer', () => {
  const answer = {
    counts: { accepted: 57, escalations: { judicial: 5 } },
    overdue: [{}, {}, {}],
    rates: { acceptance_rate: null },
  }

  it('reads dotted paths, counts lists, and gives null for what is not a number', () => {
    expect(valueAt(answer, 'counts.accepted')).toBe(57)
    expect(valueAt(answer, 'counts.escalations.judicial')).toBe(5)
    expect(valueAt(answer, 'overdue')).toBe(3)
    expect(valueAt(answer, 'rates.acceptance_rate')).toBeNull()
    expect(valueAt(answer, 'counts.missing.deeper')).toBeNull()
  })
})

describe('organisations in scope', () => {
  const tree: Organisation[] = [
    { id: 1, code: 'LN', name: '辽宁省司法厅', name_en: 'Liaoning', level: 'province', parent: null },
    { id: 2, code: 'LN-SY', name: '沈阳市司法局', name_en: 'Shenyang', level: 'city', parent: 1 },
    { id: 3, code: 'LN-SY-HP', name: '和平区司法局', name_en: 'Heping', level: 'county', parent: 2 },
    { id: 5, code: 'LN-SY-HP-NH', name: '南湖街道司法所', name_en: 'Nanhu', level: 'township', parent: 3 },
    { id: 4, code: 'LN-SY-SH', name: '沈河区司法局', name_en: 'Shenhe', level: 'county', parent: 2 },
    { id: 6, code: 'LN-DL', name: '大连市司法局', name_en: 'Dalian', level: 'city', parent: 1 },
  ]
  const membership = (id: number, role: string) => ({
    role,
    organisation: { ...tree.find((org) => org.id === id)!, parent: tree.find((org) => org.id === id)!.parent },
  })

  it("is the supervisor's organisation and everything below it, in tree order, with depth", () => {
    const scoped = organisationsInScope(tree, { memberships: [membership(2, 'supervisor')] })
    expect(scoped.map((org) => [org.code, org.depth])).toEqual([
      ['LN-SY', 0],
      ['LN-SY-HP', 1],
      ['LN-SY-HP-NH', 2],
      ['LN-SY-SH', 1],
    ])
  })

  it('merges several roles without repeating, and ignores applicant memberships', () => {
    const scoped = organisationsInScope(tree, {
      memberships: [membership(3, 'director'), membership(2, 'supervisor'), membership(6, 'applicant')],
    })
    expect(scoped.map((org) => org.code)).toEqual(['LN-SY', 'LN-SY-HP', 'LN-SY-HP-NH', 'LN-SY-SH'])
    expect(organisationsInScope(tree, null)).toEqual([])
  })

  it('opens on the first staff membership', () => {
    expect(defaultOrganisation({ memberships: [membership(6, 'applicant'), membership(3, 'director')] })).toBe('LN-SY-HP')
    expect(defaultOrganisation(null)).toBe('')
  })
})
