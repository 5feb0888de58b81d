/**
 * The operations console (案件运维) for administrators and directors: every case in their scope,
 * filtered by process, version, status (incidents included), stage, overdue work and
 * organisation, and the open incidents waiting for an operator. Each case opens on its page,
 * where the case operations are.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Button, Checkbox, Input, InputNumber, Select, Table, Tag, Typography } from 'antd'
import type { TableColumnsType } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router-dom'

import { api } from '../app/api'
import type { Instance, OrganisationRef, Page } from '../app/types'
import { pickLang } from '../shared/bilingual'
import { formatDateTime } from './format'
import { NS } from './i18n'
import { useLang } from './parts'
import { useProcesses } from './queries'

export const CONSOLE_STATUSES = ['running', 'suspended', 'incident', 'completed', 'cancelled', 'withdrawn'] as const

export interface ConsoleFilters {
  process?: string
  version?: number | null
  status?: string
  stage?: string
  overdue?: boolean
  within?: string
}

/** The case list's query parameters for the filters set (unset ones are left out). */
export function consoleQuery(filters: ConsoleFilters): Record<string, string | number | boolean> {
  const query: Record<string, string | number | boolean> = {}
  if (filters.process) query.process = filters.process
  if (filters.version) query.version = filters.version
  if (filters.status) query.status = filters.status
  if (filters.stage?.trim()) query.stage = filters.stage.trim()
  if (filters.overdue) query.overdue = true
  if (filters.within) query.within = filters.within
  return query
}

interface IncidentRow {
  id: number
  instance: number
  business_key: string
  process_name: string
  bpmn_id: string
  element_name: string
  error: string
  attempts: number
  created_at: string
}

export default function ConsolePage() {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const [filters, setFilters] = useState<ConsoleFilters>({})
  const processes = useProcesses()
  const organisations = useQuery({ queryKey: ['organisations'], queryFn: () => api<OrganisationRef[]>('/organisations'), staleTime: 600_000 })
  const query = consoleQuery(filters)
  const cases = useInfiniteQuery({
    queryKey: ['cases', query],
    queryFn: ({ pageParam }) => api<Page<Instance>>(pageParam ?? '/instances', pageParam ? {} : { query }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next,
  })
  const incidents = useQuery({ queryKey: ['incidents'], queryFn: () => api<Page<IncidentRow>>('/incidents', { query: { status: 'open' } }) })
  const rows = cases.data?.pages.flatMap((page) => page.results) ?? []
  const set = (change: ConsoleFilters) => setFilters((old) => ({ ...old, ...change }))

  const columns: TableColumnsType<Instance> = [
    {
      title: t('col.case'),
      dataIndex: 'business_key',
      render: (_: unknown, row) => (
        <Link to={`/workbench/cases/${row.id}`} className="wb-mono">
          {row.business_key}
        </Link>
      ),
    },
    { title: t('console.process'), key: 'process', render: (_: unknown, row) => `${pickLang(row.process_name, lang)} · v${row.version}` },
    {
      title: t('case.status'),
      key: 'status',
      render: (_: unknown, row) => (
        <>
          <Tag>{tc(`status.${row.status}`, { defaultValue: row.status })}</Tag>
          {row.has_incident && <Tag color="red">{tc('status.incident')}</Tag>}
        </>
      ),
    },
    { title: t('case.stage'), dataIndex: 'stage', render: (value: string) => pickLang(value, lang) },
    { title: t('case.organisation'), key: 'organisation', render: (_: unknown, row) => (lang === 'en' && row.organisation?.name_en ? row.organisation.name_en : row.organisation?.name) },
    { title: t('case.nextDeadline'), dataIndex: 'next_deadline', render: (value: string | null) => (value ? formatDateTime(value) : '—') },
    { title: t('case.started'), dataIndex: 'created_at', render: (value: string) => formatDateTime(value) },
  ]

  return (
    <div className="wb-console">
      <Typography.Title level={1} className="wb-h1">
        {t('console.title')}
      </Typography.Title>
      {(incidents.data?.results ?? []).length > 0 && (
        <section className="wb-panel" aria-labelledby="wb-incidents-heading">
          <h2 id="wb-incidents-heading" className="wb-h2">
            {t('console.incidents', { count: incidents.data?.results.length ?? 0 })}
          </h2>
          <ul className="wb-plain-list">
            {(incidents.data?.results ?? []).map((incident) => (
              <li key={incident.id} data-testid="incident-row">
                <Link to={`/workbench/cases/${incident.instance}`} className="wb-mono">
                  {incident.business_key}
                </Link>{' '}
                · {pickLang(incident.process_name, lang)} · {pickLang(incident.element_name || incident.bpmn_id, lang)}{' '}
                <span className="wb-muted wb-small">
                  {incident.error} · {t('console.attempts', { count: incident.attempts })}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="wb-panel" aria-labelledby="wb-cases-heading">
        <h2 id="wb-cases-heading" className="wb-h2">
          {t('console.cases')}
        </h2>
        <div className="wb-console-filters">
          <Select
            allowClear
            aria-label={t('processLabel')}
            placeholder={t('allProcesses')}
            style={{ minWidth: 200 }}
            value={filters.process}
            onChange={(value) => set({ process: value, version: null })}
            options={(processes.data ?? []).map((process) => ({ value: process.key, label: pickLang(process.name, lang) }))}
          />
          <InputNumber min={1} aria-label={t('console.version')} placeholder={t('console.version')} value={filters.version ?? null} onChange={(value) => set({ version: value })} />
          <Select
            allowClear
            aria-label={t('case.status')}
            placeholder={t('console.anyStatus')}
            style={{ minWidth: 140 }}
            value={filters.status}
            onChange={(value) => set({ status: value })}
            options={CONSOLE_STATUSES.map((status) => ({ value: status, label: tc(`status.${status}`) }))}
          />
          <Input.Search allowClear aria-label={t('case.stage')} placeholder={t('console.stage')} style={{ width: 200 }} onSearch={(value) => set({ stage: value })} />
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            aria-label={t('case.organisation')}
            placeholder={t('console.anyOrganisation')}
            style={{ minWidth: 200 }}
            value={filters.within}
            onChange={(value) => set({ within: value })}
            options={(organisations.data ?? []).map((org) => ({ value: org.code, label: lang === 'en' && org.name_en ? org.name_en : org.name }))}
          />
          <Checkbox checked={Boolean(filters.overdue)} onChange={(event) => set({ overdue: event.target.checked })}>
            {t('console.overdue')}
          </Checkbox>
        </div>
        <Table<Instance> size="small" rowKey="id" columns={columns} dataSource={rows} loading={cases.isFetching} pagination={false} />
        {cases.hasNextPage && (
          <Button onClick={() => void cases.fetchNextPage()} loading={cases.isFetchingNextPage} style={{ marginTop: 8 }}>
            {t('console.more')}
          </Button>
        )}
      </section>
    </div>
  )
}
