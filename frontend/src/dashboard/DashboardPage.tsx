import { ReloadOutlined } from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Tabs, Typography } from 'antd'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router-dom'

import { api, ApiError } from '../app/api'
import { STAFF_ROLES, useAuth } from '../app/auth'
import type { Lang } from '../app/i18n'
import { DrillDrawer } from './DrillDrawer'
import { FiltersBar, orgName } from './Filters'
import { LinePanel, type DrillRequest } from './LinePanel'
import {
  autoInterval,
  defaultOrganisation,
  isDay,
  LINES,
  organisationsInScope,
  readState,
  TABS,
  writeState,
  type DashboardState,
  type Filters,
  type Line,
  type Organisation,
  type Tab,
} from './logic'
import { ArchivePanel } from './ArchivePanel'
import { OverduePanel } from './OverduePanel'
import { VolumePanel } from './VolumePanel'

/** The drill-down in the address bar: `drill=<line>:<figure>`, with `dfrom`/`dto` for a chart period. */
function readDrill(params: URLSearchParams): DrillRequest | null {
  const value = params.get('drill')
  if (!value) return null
  const [line, ...rest] = value.split(':')
  const figure = rest.join(':')
  if (!LINES.includes(line as Line) || !figure) return null
  const from = params.get('dfrom')
  const to = params.get('dto')
  return {
    line: line as Line,
    figure,
    ...(isDay(from) && isDay(to) ? { from, to } : {}),
  }
}

export default function DashboardPage() {
  const { t, i18n } = useTranslation('dashboard')
  const lang: Lang = i18n.language === 'en' ? 'en' : 'zh'
  const { me, hasRole } = useAuth()
  const client = useQueryClient()
  const [params, setParams] = useSearchParams()

  const organisations = useQuery({
    queryKey: ['organisations'],
    queryFn: ({ signal }) => api<Organisation[]>('/organisations', { signal }),
    staleTime: 5 * 60_000,
  })
  const scoped = useMemo(() => organisationsInScope(organisations.data ?? [], me), [organisations.data, me])
  const orgNames = useMemo(
    () => new Map((organisations.data ?? []).map((org) => [org.code, orgName(org, lang)])),
    [organisations.data, lang],
  )

  const state = readState(params, defaultOrganisation(me))
  const drill = readDrill(params)
  const filters: Filters = { organisation: state.organisation, from: state.from, to: state.to }
  const interval = state.interval ?? autoInterval(filters)
  const canOpenCases = hasRole(...STAFF_ROLES, 'supervisor', 'admin')

  const update = (patch: Partial<DashboardState>, extra?: (next: URLSearchParams) => void) => {
    const next = writeState({ ...state, ...patch })
    const keepDrill = !('organisation' in patch || 'from' in patch || 'to' in patch)
    if (keepDrill) for (const key of ['drill', 'dfrom', 'dto']) if (params.has(key)) next.set(key, params.get(key)!)
    extra?.(next)
    setParams(next)
  }
  const openDrill = (request: DrillRequest) =>
    update({}, (next) => {
      next.set('drill', `${request.line}:${request.figure}`)
      next.delete('dfrom')
      next.delete('dto')
      if (request.from && request.to) {
        next.set('dfrom', request.from)
        next.set('dto', request.to)
      }
    })
  const closeDrill = () =>
    update({}, (next) => {
      next.delete('drill')
      next.delete('dfrom')
      next.delete('dto')
    })

  const organisation = orgNames.get(state.organisation) ?? state.organisation
  const tabLabel = (tab: Tab) => t(`tabs.${tab}`)

  const panel = (tab: Tab) => {
    if (!state.organisation) return null
    if (tab === 'volume')
      return (
        <VolumePanel
          filters={filters}
          interval={interval}
          lang={lang}
          onInterval={(value) => update({ interval: value })}
          onDrill={openDrill}
        />
      )
    if (tab === 'archives') return <ArchivePanel filters={filters} lang={lang} orgNames={orgNames} />
    if (tab === 'overdue')
      return (
        <OverduePanel
          key={state.organisation}
          organisation={state.organisation}
          lang={lang}
          orgNames={orgNames}
          canOpenCases={canOpenCases}
        />
      )
    return <LinePanel line={tab} filters={filters} lang={lang} orgNames={orgNames} onDrill={openDrill} />
  }

  return (
    <div className="lf-dash">
      <div className="lf-dash-header">
        <div>
          <Typography.Title level={1} className="lf-dash-h1">
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary" data-testid="dash-scope">
            {t('scope', { organisation, from: state.from, to: state.to })}
          </Typography.Text>
        </div>
        <Button icon={<ReloadOutlined />} onClick={() => void client.invalidateQueries({ queryKey: ['dashboard'] })}>
          {t('refresh')}
        </Button>
      </div>

      <FiltersBar
        filters={filters}
        organisations={scoped}
        loadingOrganisations={organisations.isPending}
        lang={lang}
        onChange={(patch) => update(patch)}
      />

      {organisations.isError && (
        <Alert
          type="error"
          showIcon
          title={organisations.error instanceof ApiError ? organisations.error.message : String(organisations.error)}
        />
      )}
      {!state.organisation && <Alert type="warning" showIcon title={t('noPermission', { ns: 'common' })} />}

      <Tabs
        className="lf-dash-tabs"
        activeKey={state.tab}
        onChange={(key) => update({ tab: key as Tab })}
        items={TABS.map((tab) => ({ key: tab, label: tabLabel(tab), children: tab === state.tab ? panel(tab) : null }))}
      />

      <DrillDrawer
        request={drill}
        filters={filters}
        lang={lang}
        orgNames={orgNames}
        canOpenCases={canOpenCases}
        onClose={closeDrill}
      />
    </div>
  )
}
