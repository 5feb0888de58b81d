import { CheckCircleOutlined, DownloadOutlined, MinusCircleOutlined, WarningOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Grid, Skeleton, Table, Tooltip, Typography } from 'antd'
import { lazy, Suspense, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'

import { api, ApiError } from '../app/api'
import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import { StatusTag } from './StatusTag'
import { figuresOption } from './chartOptions'
import { figureLabel } from './labels'
import { LINE_DEFS, targetOf, type RateDef } from './lines'
import { formatDateTime, formatRate, rateStatus, statsCsvUrl, statsUrl, valueAt, type Filters, type Line } from './logic'

const Chart = lazy(() => import('./Chart'))

export interface DrillRequest {
  line: Line
  figure: string
  from?: string
  to?: string
}

export type Stats = Record<string, unknown>

export function useStats(line: Line, filters: Filters) {
  return useQuery({
    queryKey: ['dashboard', 'stats', line, filters.organisation, filters.from, filters.to],
    queryFn: ({ signal }) => api<Stats>(statsUrl(line, filters), { signal }),
    enabled: Boolean(filters.organisation),
    staleTime: 30_000,
  })
}

interface PanelProps {
  line: Line
  filters: Filters
  lang: Lang
  orgNames: Map<string, string>
  onDrill: (request: DrillRequest) => void
}

const RED = '#c41d1d'
const GREEN = '#1f7a1f'

/** Whether the screen is a phone's: antd's xs breakpoint, under 576 px wide. */
export function usePhone(): boolean {
  return Grid.useBreakpoint().xs === true
}

/**
 * How the dashboard's tables scroll: on a phone the columns keep their natural width and the
 * table scrolls sideways in its own box, rather than squeezing case numbers and dates onto
 * several lines. On larger screens, as before.
 */
export function useTableScroll() {
  return usePhone() ? { x: 'max-content' as const } : undefined
}

/** On a phone a long figure name wraps onto two lines instead of squeezing the bars to slivers. */
function forPhone(option: ReturnType<typeof figuresOption>) {
  return {
    ...option,
    xAxis: { ...option.xAxis, splitNumber: 3 },
    yAxis: { ...option.yAxis, axisLabel: { width: 110, overflow: 'break' } },
  }
}

/** A count of cases; the number opens the cases behind it. */
export function FigureTile({
  label,
  value,
  onOpen,
  warn = false,
  name,
}: {
  label: string
  value: number | null
  onOpen?: () => void
  warn?: boolean
  /** the figure's full name, when the visible label is shortened under a heading */
  name?: string
}) {
  const { t } = useTranslation('dashboard')
  return (
    <div className={`lf-dash-tile${warn && value ? ' lf-dash-tile-warn' : ''}`}>
      <div className="lf-dash-tile-label">
        {warn && value ? <WarningOutlined aria-hidden style={{ color: RED, marginRight: 4 }} /> : null}
        {label}
      </div>
      {value === null ? (
        <span className="lf-dash-tile-value">—</span>
      ) : onOpen ? (
        <button
          type="button"
          className="lf-dash-tile-value lf-dash-number"
          aria-label={t('casesOf', { label: name ?? label, count: value })}
          onClick={onOpen}
        >
          {value}
        </button>
      ) : (
        <span className="lf-dash-tile-value">{value}</span>
      )}
    </div>
  )
}

/** A rate against its target: the percentage, a bar with the target line, and the words. */
export function RateCard({
  label,
  value,
  target,
  numerator,
  denominator,
  help,
}: {
  label: string
  value: number | null
  target: number | null
  numerator: ReactNode
  denominator: ReactNode
  help: string
}) {
  const { t } = useTranslation('dashboard')
  const status = rateStatus(value, target)
  const colour = status === 'below' ? RED : status === 'met' ? GREEN : '#1f5fa8'
  const fill = value === null ? 0 : Math.max(0, Math.min(100, value))
  return (
    <Card size="small" className={`lf-dash-rate lf-dash-rate-${status}`}>
      <h3 className="lf-dash-rate-title">{label}</h3>
      <div className="lf-dash-rate-value" style={{ color: status === 'none' ? undefined : colour }}>
        {formatRate(value)}
      </div>
      <div className="lf-dash-rate-status">
        {status === 'below' && (
          <StatusTag tone="bad" icon={<WarningOutlined />}>
            {t('belowTarget')} · {t('target', { target: formatRate(target) })}
          </StatusTag>
        )}
        {status === 'met' && (
          <StatusTag tone="good" icon={<CheckCircleOutlined />}>
            {t('metTarget')} · {t('target', { target: formatRate(target) })}
          </StatusTag>
        )}
        {status === 'none' && <StatusTag tone="neutral" icon={<MinusCircleOutlined />}>{t('noRate')}</StatusTag>}
        {status === 'untargeted' && <Typography.Text type="secondary">{t('noTarget')}</Typography.Text>}
      </div>
      <div className="lf-dash-bar" aria-hidden="true">
        <div className="lf-dash-bar-fill" style={{ width: `${fill}%`, background: colour }} />
        {target !== null && <div className="lf-dash-bar-target" style={{ left: `${Math.min(100, target)}%` }} />}
      </div>
      <div className="lf-dash-rate-parts">
        {numerator}
        {denominator !== null && (
          <>
            <span aria-hidden="true"> / </span>
            {denominator}
          </>
        )}
        <Typography.Text type="secondary" className="lf-dash-rate-help">
          {help}
        </Typography.Text>
      </div>
    </Card>
  )
}

function SmallNumber({ label, value, onOpen }: { label: string; value: number | null; onOpen: () => void }) {
  const { t } = useTranslation('dashboard')
  if (value === null) return <span>—</span>
  return (
    <Tooltip title={label}>
      <button type="button" className="lf-dash-number" aria-label={t('casesOf', { label, count: value })} onClick={onOpen}>
        {value}
      </button>
    </Tooltip>
  )
}

function Section({ title, children, extra }: { title: ReactNode; children: ReactNode; extra?: ReactNode }) {
  return (
    <Card size="small" className="lf-dash-section" title={<h2 className="lf-dash-h2">{title}</h2>} extra={extra}>
      {children}
    </Card>
  )
}

/** One service line: its rates against targets, its counts, a chart, its overdue cases. */
export function LinePanel({ line, filters, lang, orgNames, onDrill }: PanelProps) {
  const { t } = useTranslation('dashboard')
  const stats = useStats(line, filters)
  const def = LINE_DEFS[line]
  const phone = usePhone()

  if (stats.isPending) return <Skeleton active paragraph={{ rows: 8 }} />
  if (stats.isError) {
    const message = stats.error instanceof ApiError ? stats.error.message : String(stats.error)
    return (
      <Alert
        type="error"
        showIcon
        title={message}
        action={
          <Button size="small" onClick={() => void stats.refetch()}>
            {t('retry', { ns: 'common' })}
          </Button>
        }
      />
    )
  }

  const answer = stats.data
  const label = (key: string) => figureLabel(t, line, key, lang, answer)
  const drill = (figure: string) => () => onDrill({ line, figure })
  const number = (key: string) => <SmallNumber label={label(key)} value={valueAt(answer, key)} onOpen={drill(key)} />
  const rateCard = (rate: RateDef) => (
    <RateCard
      key={rate.path}
      label={label(rate.path)}
      value={valueAt(answer, rate.path)}
      target={targetOf(rate, answer)}
      numerator={number(rate.numerator)}
      denominator={rate.denominator ? number(rate.denominator) : null}
      help={t(`rateHelp.${rate.help}`)}
    />
  )
  const bars = def.chart.map((key) => ({ figure: key, label: label(key), value: valueAt(answer, key) }))
  const chart = figuresOption(bars, t('chart'))
  const received = valueAt(answer, def.counts[0]) ?? 0

  return (
    <div className="lf-dash-panel">
      <div className="lf-dash-panel-head">
        <Typography.Text type="secondary">
          {typeof answer.as_of === 'string' ? t('asOf', { time: formatDateTime(answer.as_of) }) : null}
        </Typography.Text>
        <Tooltip title={t('exportHint')}>
          <Button icon={<DownloadOutlined />} href={statsCsvUrl(line, filters)} download>
            {t('export')}
          </Button>
        </Tooltip>
      </div>

      <section aria-labelledby={`rates-${line}`}>
        <h2 id={`rates-${line}`} className="lf-dash-h2 lf-dash-visually-hidden">
          {t('rates')}
        </h2>
        <div className="lf-dash-rates">{def.rates.map(rateCard)}</div>
      </section>

      <div className="lf-dash-columns">
        <Section title={t('counts')}>
          <div className="lf-dash-tiles">
            {def.counts.map((key) => (
              <FigureTile
                key={key}
                label={label(key)}
                value={valueAt(answer, key)}
                onOpen={drill(key)}
                warn={key.includes('overdue') || key.includes('escalated') || key.includes('overrun')}
              />
            ))}
            {(def.amounts ?? []).map((amount) => {
              const value = valueAt(answer, amount.path)
              return (
                <div key={amount.path} className="lf-dash-tile">
                  <div className="lf-dash-tile-label">{label(amount.path)}</div>
                  <span className="lf-dash-tile-value">
                    {value === null ? '—' : amount.unit === 'cny' ? t('amount', { value: value.toLocaleString() }) : value}
                  </span>
                </div>
              )
            })}
          </div>
          <LineFamilies line={line} answer={answer} label={label} onDrill={onDrill} />
        </Section>
        <Section title={t('chart')}>
          {received === 0 ? (
            <Typography.Paragraph type="secondary">{t('noData')}</Typography.Paragraph>
          ) : (
            <Suspense fallback={<Skeleton active />}>
              <Chart
                testId={`chart-${line}`}
                height={Math.max(220, bars.length * 40)}
                option={phone ? forPhone(chart) : chart}
                onClick={(params) => {
                  const figure = (params.data as { figure?: string } | undefined)?.figure
                  if (figure) onDrill({ line, figure })
                }}
              />
            </Suspense>
          )}
          <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
            {t('chartHint')}
          </Typography.Paragraph>
        </Section>
      </div>

      <LineOverdue line={line} answer={answer} lang={lang} orgNames={orgNames} onDrill={onDrill} label={label} />
      {line === 'notary' && <NotaryQuota answer={answer} orgNames={orgNames} />}
    </div>
  )
}

/** Counts by a recorded value: complaint grounds, legal-aid channels. */
function LineFamilies({
  line,
  answer,
  label,
  onDrill,
}: {
  line: Line
  answer: Stats
  label: (key: string) => string
  onDrill: (request: DrillRequest) => void
}) {
  const { t } = useTranslation('dashboard')
  let keys: string[] = []
  let title = ''
  if (line === 'complaints') {
    const rows = ((answer.ineligible as { by_ground?: { ground: string }[] } | undefined)?.by_ground ?? [])
    keys = rows.map((row) => `ineligible.by_ground.${row.ground}`)
    title = t('byGround')
  } else if (line === 'legal-aid') {
    keys = Object.keys((answer.by_channel as Record<string, number> | undefined) ?? {}).map((key) => `by_channel.${key}`)
    title = t('byChannel')
  }
  if (keys.length === 0) return null
  const valueOf = (key: string): number | null => {
    if (key.startsWith('ineligible.by_ground.')) {
      const rows = ((answer.ineligible as { by_ground?: { ground: string; count: number }[] }).by_ground ?? [])
      return rows.find((row) => `ineligible.by_ground.${row.ground}` === key)?.count ?? null
    }
    return valueAt(answer, key)
  }
  return (
    <div className="lf-dash-family">
      <h3 className="lf-dash-h3">{title}</h3>
      <div className="lf-dash-tiles">
        {keys.map((key) => (
          <FigureTile
            key={key}
            label={label(key).split(/：|: /).slice(1).join(' ') || label(key)}
            name={label(key)}
            value={valueOf(key)}
            onOpen={() => onDrill({ line, figure: key })}
          />
        ))}
      </div>
    </div>
  )
}

interface OverdueRow {
  key: string
  instance: number
  business_key: string
  organisation: string
  what: string
  due: string
  days?: number
  escalated?: boolean
  extra?: string
}

function overdueRows(line: Line, answer: Stats, t: (key: string) => string, lang: Lang): OverdueRow[] {
  type Row = Record<string, unknown> & { instance: number; business_key: string; organisation: string }
  type Due = Row & { due: string }
  if (line === 'complaints') {
    return ((answer.overdue as Row[]) ?? []).map((row) => ({
      key: `${row.instance}-${row.kind}`,
      instance: row.instance,
      business_key: row.business_key,
      organisation: row.organisation,
      what: `${pickLang(String(row.what), lang)} · ${t(`complaintsOverdue.steps.${row.step}`)}`,
      due: String(row.due),
      days: Number(row.days_overdue),
      escalated: Boolean(row.escalated),
    }))
  }
  if (line === 'legal-aid') {
    const overdue = (answer.overdue as { undecided?: Due[]; unassigned?: Due[] }) ?? {}
    return [
      ...(overdue.undecided ?? []).map((row) => ({ ...row, kind: 'undecided' })),
      ...(overdue.unassigned ?? []).map((row) => ({ ...row, kind: 'unassigned' })),
    ].map((row) => ({
      key: `${row.instance}-${row.kind}`,
      instance: row.instance,
      business_key: row.business_key,
      organisation: row.organisation,
      what: t(`lineOverdue.${row.kind}`),
      due: row.due,
    }))
  }
  if (line === 'mediation') {
    return ((answer.overdue as Row[]) ?? []).map((row) => ({
      key: String(row.instance),
      instance: row.instance,
      business_key: row.business_key,
      organisation: row.organisation,
      what: t('fig.mediation.counts.overdue'),
      due: String(row.mediation_due),
    }))
  }
  return ((answer.overdue as Row[]) ?? []).map((row) => ({
    key: String(row.instance),
    instance: row.instance,
    business_key: row.business_key,
    organisation: row.organisation,
    what: t('fig.notary.overdue'),
    due: String(row.certificate_due),
    escalated: Boolean(row.escalated),
    extra: [row.case_number, row.notary].filter(Boolean).join(' · '),
  }))
}

const OVERDUE_FIGURE: Record<Line, string[]> = {
  complaints: ['overdue'],
  'legal-aid': ['overdue.undecided', 'overdue.unassigned'],
  mediation: ['counts.overdue'],
  notary: ['overdue'],
}

/** The line's own overdue cases (from its stats): what is late, since when, escalated or not. */
function LineOverdue({
  line,
  answer,
  lang,
  orgNames,
  onDrill,
  label,
}: {
  line: Line
  answer: Stats
  lang: Lang
  orgNames: Map<string, string>
  onDrill: (request: DrillRequest) => void
  label: (key: string) => string
}) {
  const { t } = useTranslation('dashboard')
  const rows = overdueRows(line, answer, t, lang)
  const title = line === 'complaints' ? t('complaintsOverdue.title') : t('lineOverdue.title')
  const showDays = line === 'complaints'
  const showEscalated = line === 'complaints' || line === 'notary'
  const scroll = useTableScroll()
  return (
    <Section
      title={
        <>
          {title}{' '}
          {rows.length > 0 ? (
            <StatusTag tone="bad" icon={<WarningOutlined />}>
              {rows.length}
            </StatusTag>
          ) : (
            <StatusTag tone="good" icon={<CheckCircleOutlined />}>
              0
            </StatusTag>
          )}
        </>
      }
      extra={
        <span className="lf-dash-overdue-links">
          {OVERDUE_FIGURE[line].map((figure) => (
            <Button key={figure} size="small" type="link" onClick={() => onDrill({ line, figure })}>
              {label(figure)}: {valueAt(answer, figure) ?? 0}
            </Button>
          ))}
        </span>
      }
    >
      <Table<OverdueRow>
        size="small"
        rowKey="key"
        scroll={scroll}
        dataSource={rows}
        pagination={rows.length > 10 ? { pageSize: 10, showSizeChanger: false } : false}
        locale={{
          emptyText: (
            <span className="lf-dash-empty">
              {line === 'complaints' ? t('complaintsOverdue.none') : t('lineOverdue.none')}
            </span>
          ),
        }}
        columns={[
          { title: t('drill.businessKey'), dataIndex: 'business_key' },
          {
            title: t('drill.organisation'),
            dataIndex: 'organisation',
            render: (code: string) => orgNames.get(code) ?? code,
          },
          {
            title: t('complaintsOverdue.kind'),
            dataIndex: 'what',
            render: (what: string, row) => (
              <>
                {what}
                {row.extra ? <div className="lf-dash-muted">{row.extra}</div> : null}
              </>
            ),
          },
          { title: t('lineOverdue.due'), dataIndex: 'due', render: (due: string) => formatDateTime(due) },
          ...(showDays
            ? [
                {
                  title: t('complaintsOverdue.days'),
                  dataIndex: 'days',
                  align: 'right' as const,
                  render: (days: number) => <span style={{ color: RED, fontWeight: 600 }}>{days}</span>,
                },
              ]
            : []),
          ...(showEscalated
            ? [
                {
                  title: t('complaintsOverdue.escalated'),
                  dataIndex: 'escalated',
                  render: (escalated: boolean) =>
                    escalated ? (
                      <StatusTag tone="neutral" icon={<CheckCircleOutlined />}>{t('complaintsOverdue.escalated')}</StatusTag>
                    ) : (
                      <Typography.Text type="secondary">—</Typography.Text>
                    ),
                },
              ]
            : []),
        ]}
      />
    </Section>
  )
}

interface QuotaRow {
  notary: string
  name: string
  organisation: string | null
  count: number
  target: number
  met: boolean
}

function NotaryQuota({ answer, orgNames }: { answer: Stats; orgNames: Map<string, string> }) {
  const { t } = useTranslation('dashboard')
  const quota = answer.legal_aid_quota as { year: number; notaries: QuotaRow[]; met: number; behind: number } | undefined
  const scroll = useTableScroll()
  if (!quota) return null
  return (
    <Section
      title={t('quota.title', { year: quota.year })}
      extra={<Typography.Text>{t('quota.summary', { met: quota.met, behind: quota.behind })}</Typography.Text>}
    >
      <Table<QuotaRow>
        size="small"
        rowKey="notary"
        scroll={scroll}
        dataSource={quota.notaries}
        pagination={false}
        columns={[
          { title: t('quota.notary'), dataIndex: 'name' },
          {
            title: t('quota.organisation'),
            dataIndex: 'organisation',
            render: (code: string | null) => (code ? (orgNames.get(code) ?? code) : '—'),
          },
          { title: t('quota.count'), dataIndex: 'count', align: 'right' },
          { title: t('quota.target'), dataIndex: 'target', align: 'right' },
          {
            title: t('quota.met'),
            dataIndex: 'met',
            render: (met: boolean) =>
              met ? (
                <StatusTag tone="good" icon={<CheckCircleOutlined />}>
                  {t('quota.yes')}
                </StatusTag>
              ) : (
                <StatusTag tone="bad" icon={<WarningOutlined />}>
                  {t('quota.no')}
                </StatusTag>
              ),
          },
        ]}
      />
    </Section>
  )
}
