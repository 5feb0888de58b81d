/**
 * ECharts options for the dashboard, built from API rows. Plain objects, no ECharts import, so
 * they can be tested without a canvas. Each chart's numbers are also shown as text beside it
 * (the figure tiles, the volume table); bars carry decal patterns and lines distinct symbols,
 * so colour is never the only way to tell series apart.
 */
import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import type { Interval } from './logic'

export interface VolumeRow {
  period: string
  process: string
  process_name: string
  started: number
  completed: number
}

export type Measure = 'started' | 'completed'
export type ChartKind = 'bar' | 'line'

// Colours distinguishable with common colour-vision deficiencies (Okabe–Ito), dark enough on white.
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#555555']
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect']

/** What a click on a chart element carries, to open the cases behind it. */
export interface VolumePoint {
  period: string
  process: string
}

export interface VolumeTable {
  periods: string[]
  processes: { key: string; name: string }[]
  /** values[periodIndex][processIndex] */
  values: number[][]
  totals: number[]
}

export function periodLabel(period: string, interval: Interval): string {
  if (interval === 'month') return period.slice(0, 7)
  return period.slice(5)
}

/** The volume rows as a period × process table of one measure (the chart's numbers as text). */
export function volumeTable(rows: VolumeRow[], measure: Measure, lang: Lang): VolumeTable {
  const periods = [...new Set(rows.map((row) => row.period))].sort()
  const names = new Map<string, string>()
  for (const row of rows) names.set(row.process, pickLang(row.process_name, lang) || row.process)
  const processes = [...names.keys()].sort().map((key) => ({ key, name: names.get(key)! }))
  const index = new Map(rows.map((row) => [`${row.period}|${row.process}`, row]))
  const values = periods.map((period) =>
    processes.map((process) => index.get(`${period}|${process.key}`)?.[measure] ?? 0),
  )
  return { periods, processes, values, totals: values.map((line) => line.reduce((a, b) => a + b, 0)) }
}

export interface VolumeOptionInput {
  rows: VolumeRow[]
  measure: Measure
  kind: ChartKind
  interval: Interval
  lang: Lang
}

export function volumeOption({ rows, measure, kind, interval, lang }: VolumeOptionInput) {
  const table = volumeTable(rows, measure, lang)
  return {
    // Figures appear at once: no growing bars to wait for (or to distract).
    animation: false,
    color: PALETTE,
    // The numbers are in the table beside the chart; the chart itself is hidden from screen readers.
    aria: { enabled: true, label: { enabled: false }, decal: { show: kind === 'bar' } },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 48, right: 24, top: 40, bottom: 32, containLabel: true },
    xAxis: {
      type: 'category',
      data: table.periods.map((period) => periodLabel(period, interval)),
      axisLabel: { hideOverlap: true },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: table.processes.map((process, column) => ({
      name: process.name,
      type: kind,
      stack: kind === 'bar' ? 'total' : undefined,
      symbol: SYMBOLS[column % SYMBOLS.length],
      symbolSize: 8,
      emphasis: { focus: 'series' },
      data: table.periods.map((period, row) => ({
        value: table.values[row][column],
        point: { period, process: process.key } satisfies VolumePoint,
      })),
    })),
  }
}

/** One bar of a service line's figures chart. */
export interface FigureBar {
  figure: string
  label: string
  value: number | null
}

/** A service line's main counts as horizontal bars, each labelled with its number. */
export function figuresOption(bars: FigureBar[], title: string) {
  const shown = bars.filter((bar) => bar.value !== null)
  // ECharts draws the first category at the bottom: reverse so the list reads top-down.
  const ordered = [...shown].reverse()
  return {
    animation: false,
    color: [PALETTE[0]],
    aria: { enabled: true, label: { enabled: false }, decal: { show: false } },
    tooltip: { trigger: 'item' },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: ordered.map((bar) => bar.label), axisTick: { show: false } },
    series: [
      {
        type: 'bar',
        name: title,
        barMaxWidth: 22,
        label: { show: true, position: 'right', color: '#222' },
        cursor: 'pointer',
        data: ordered.map((bar) => ({ value: bar.value, figure: bar.figure })),
      },
    ],
  }
}
