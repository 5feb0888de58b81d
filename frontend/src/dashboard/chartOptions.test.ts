import { describe, expect, it } from 'vitest'

import { figuresOption, periodLabel, volumeOption, volumeTable, type VolumeRow } from './chartOptions'

const rows: VolumeRow[] = [
  { period: '2026-10-01', process: 'mediation', process_name: "人民调解 / People's mediation", started: 44, completed: 4 },
  { period: '2026-10-01', process: 'complaint', process_name: '投诉处理 / Complaint handling', started: 35, completed: 7 },
  { period: '2026-09-01', process: 'complaint', process_name: '投诉处理 / Complaint handling', started: 12, completed: 1 },
  { period: '2026-11-01', process: 'mediation', process_name: "人民调解 / People's mediation", started: 34, completed: 19 },
]

describe('the volume table', () => {
  it('is a period × process grid with zeros where a process had nothing, and totals', () => {
    const table = volumeTable(rows, 'started', 'zh')
    expect(table.periods).toEqual(['2026-09-01', '2026-10-01', '2026-11-01'])
    expect(table.processes).toEqual([
      { key: 'complaint', name: '投诉处理' },
      { key: 'mediation', name: '人民调解' },
    ])
    expect(table.values).toEqual([
      [12, 0],
      [35, 44],
      [0, 34],
    ])
    expect(table.totals).toEqual([12, 79, 34])
    expect(volumeTable(rows, 'completed', 'en').values).toEqual([
      [1, 0],
      [7, 4],
      [0, 19],
    ])
    expect(volumeTable(rows, 'completed', 'en').processes[1].name).toBe("People's mediation")
  })
})

describe('the volume chart', () => {
  it('has one series per process over the sorted periods, each point carrying what it drills into', () => {
    const option = volumeOption({ rows, measure: 'started', kind: 'bar', interval: 'month', lang: 'zh' })
    expect(option.xAxis.data).toEqual(['2026-09', '2026-10', '2026-11'])
    expect(option.series.map((series) => series.name)).toEqual(['投诉处理', '人民调解'])
    expect(option.series[0].type).toBe('bar')
    expect(option.series[0].stack).toBe('total')
    expect(option.series[1].data.map((point) => point.value)).toEqual([0, 44, 34])
    expect(option.series[1].data[2].point).toEqual({ period: '2026-11-01', process: 'mediation' })
    // Bars carry decal patterns so colour is not the only way to tell processes apart.
    expect(option.aria.decal.show).toBe(true)
  })

  it('draws lines unstacked, each with its own symbol', () => {
    const option = volumeOption({ rows, measure: 'completed', kind: 'line', interval: 'day', lang: 'en' })
    expect(option.series.every((series) => series.type === 'line' && series.stack === undefined)).toBe(true)
    expect(new Set(option.series.map((series) => series.symbol)).size).toBe(option.series.length)
    expect(option.series[0].data.map((point) => point.value)).toEqual([1, 7, 0])
    expect(option.xAxis.data).toEqual(['09-01', '10-01', '11-01'])
  })

  it('labels periods by interval', () => {
    expect(periodLabel('2026-11-01', 'month')).toBe('2026-11')
    expect(periodLabel('2026-11-23', 'week')).toBe('11-23')
  })
})

describe("a line's figures chart", () => {
  it('lists the counts top-down with their numbers, skipping figures the answer lacks', () => {
    const option = figuresOption(
      [
        { figure: 'counts.received', label: '收到投诉', value: 80 },
        { figure: 'counts.accepted', label: '已受理', value: 57 },
        { figure: 'counts.gone', label: '不存在', value: null },
        { figure: 'overdue', label: '逾期', value: 9 },
      ],
      '办理环节图',
    )
    // ECharts draws the first category at the bottom, so the list is reversed.
    expect(option.yAxis.data).toEqual(['逾期', '已受理', '收到投诉'])
    expect(option.series[0].data).toEqual([
      { value: 9, figure: 'overdue' },
      { value: 57, figure: 'counts.accepted' },
      { value: 80, figure: 'counts.received' },
    ])
    expect(option.series[0].label.show).toBe(true)
  })
})
