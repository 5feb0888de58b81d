import { useQuery } from '@tanstack/react-query'
import { Alert, Card, Radio, Skeleton, Typography } from 'antd'
import { lazy, Suspense, useState } from 'react'
import { useTranslation } from 'react-i18next'

import { api, ApiError } from '../app/api'
import type { Lang } from '../app/i18n'
import { periodLabel, volumeOption, volumeTable, type ChartKind, type Measure, type VolumePoint, type VolumeRow } from './chartOptions'
import type { DrillRequest } from './LinePanel'
import { bucketPeriod, INTERVALS, PROCESS_LINE, RECEIVED_FIGURE, volumeUrl, type Filters, type Interval } from './logic'

const Chart = lazy(() => import('./Chart'))

interface Props {
  filters: Filters
  interval: Interval
  lang: Lang
  onInterval: (interval: Interval) => void
  onDrill: (request: DrillRequest) => void
}

/** A labelled row of small button-style radios; the label stays with its buttons when they wrap. */
function ButtonChoice<T extends string>({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string
  label: string
  value: T
  options: { value: T; label: string }[]
  onChange: (value: T) => void
}) {
  return (
    <div className="lf-dash-control">
      <span id={id}>{label}</span>
      <Radio.Group
        aria-labelledby={id}
        optionType="button"
        size="small"
        value={value}
        options={options}
        onChange={(event) => onChange(event.target.value as T)}
      />
    </div>
  )
}

/** Cases started (or completed) per process per day, week or month, as a chart and a table. */
export function VolumePanel({ filters, interval, lang, onInterval, onDrill }: Props) {
  const { t } = useTranslation('dashboard')
  const [measure, setMeasure] = useState<Measure>('started')
  const [kind, setKind] = useState<ChartKind>('bar')
  const url = volumeUrl(filters, interval)
  const volume = useQuery({
    queryKey: ['dashboard', 'volume', url],
    queryFn: ({ signal }) => api<VolumeRow[]>(url, { signal }),
    enabled: Boolean(filters.organisation),
    staleTime: 30_000,
  })

  // Started cases are the lines' cohorts (received), so a period of one process opens its cases.
  const drillPoint = (point: VolumePoint) => {
    const line = PROCESS_LINE[point.process]
    if (!line || measure !== 'started') return
    onDrill({ line, figure: RECEIVED_FIGURE[line], ...bucketPeriod(point.period, interval, filters) })
  }

  const controls = (
    <div className="lf-dash-controls">
      <ButtonChoice
        id="volume-interval"
        label={t('volume.interval')}
        value={interval}
        options={INTERVALS.map((value) => ({ value, label: t(`volume.${value}`) }))}
        onChange={onInterval}
      />
      <ButtonChoice
        id="volume-measure"
        label={t('volume.measure')}
        value={measure}
        options={(['started', 'completed'] as const).map((value) => ({ value, label: t(`volume.${value}`) }))}
        onChange={setMeasure}
      />
      <ButtonChoice
        id="volume-kind"
        label={t('volume.kind')}
        value={kind}
        options={(['bar', 'line'] as const).map((value) => ({ value, label: t(`volume.${value}`) }))}
        onChange={setKind}
      />
    </div>
  )

  let body
  if (volume.isPending) body = <Skeleton active paragraph={{ rows: 8 }} />
  else if (volume.isError)
    body = (
      <Alert type="error" showIcon title={volume.error instanceof ApiError ? volume.error.message : String(volume.error)} />
    )
  else if (volume.data.length === 0) body = <Typography.Paragraph type="secondary">{t('volume.none')}</Typography.Paragraph>
  else {
    const table = volumeTable(volume.data, measure, lang)
    body = (
      <>
        <Suspense fallback={<Skeleton active />}>
          <Chart
            testId="chart-volume"
            height={360}
            option={volumeOption({ rows: volume.data, measure, kind, interval, lang })}
            onClick={(params) => {
              const point = (params.data as { point?: VolumePoint } | undefined)?.point
              if (point) drillPoint(point)
            }}
          />
        </Suspense>
        {measure === 'started' && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
            {t('volume.hint')}
          </Typography.Paragraph>
        )}
        <div className="lf-dash-table-scroll">
          <table className="lf-dash-table">
            <caption>
              {t('volume.table')} · {t(`volume.${measure}`)}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('volume.period')}</th>
                {table.processes.map((process) => (
                  <th scope="col" key={process.key}>
                    {process.name}
                  </th>
                ))}
                <th scope="col">{t('volume.total')}</th>
              </tr>
            </thead>
            <tbody>
              {table.periods.map((period, row) => (
                <tr key={period}>
                  <th scope="row">{periodLabel(period, interval)}</th>
                  {table.processes.map((process, column) => {
                    const value = table.values[row][column]
                    const drillable = measure === 'started' && value > 0 && PROCESS_LINE[process.key]
                    return (
                      <td key={process.key}>
                        {drillable ? (
                          <button
                            type="button"
                            className="lf-dash-number"
                            aria-label={t('casesOf', { label: `${process.name} ${periodLabel(period, interval)}`, count: value })}
                            onClick={() => drillPoint({ period, process: process.key })}
                          >
                            {value}
                          </button>
                        ) : (
                          value
                        )}
                      </td>
                    )
                  })}
                  <td>
                    <strong>{table.totals[row]}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </>
    )
  }

  return (
    <Card size="small" className="lf-dash-section" title={<h2 className="lf-dash-h2">{t('volume.title')}</h2>} extra={controls}>
      {body}
    </Card>
  )
}
