import { CheckCircleOutlined, CloseCircleOutlined, DownloadOutlined } from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Drawer, Skeleton, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router-dom'

import { api, ApiError } from '../app/api'
import type { Lang } from '../app/i18n'
import { StatusTag } from './StatusTag'
import { figureLabel } from './labels'
import { useTableScroll, type DrillRequest } from './LinePanel'
import { caseUrl, drillUrl, formatDateTime, statsCsvUrl, type Filters } from './logic'

export interface FigureCase {
  instance: number
  business_key: string
  process: string
  organisation: { id: number; code: string; name: string }
  started_at: string
  milestone_at: string | null
  on_time: boolean | null
}

interface Props {
  request: DrillRequest | null
  filters: Filters
  lang: Lang
  orgNames: Map<string, string>
  canOpenCases: boolean
  onClose: () => void
}

/** The cases behind one figure: as many rows as the figure says, each linking to its case. */
export function DrillDrawer({ request, filters, lang, orgNames, canOpenCases, onClose }: Props) {
  const { t } = useTranslation('dashboard')
  const client = useQueryClient()
  const scope: Filters = request
    ? { organisation: filters.organisation, from: request.from ?? filters.from, to: request.to ?? filters.to }
    : filters
  const url = request ? drillUrl(request.line, request.figure, scope) : ''
  const cases = useQuery({
    queryKey: ['dashboard', 'cases', url],
    queryFn: ({ signal }) => api<FigureCase[]>(url, { signal }),
    enabled: Boolean(request),
    staleTime: 30_000,
  })
  const answer = request
    ? client.getQueryData(['dashboard', 'stats', request.line, filters.organisation, filters.from, filters.to])
    : undefined
  const label = request ? figureLabel(t, request.line, request.figure, lang, answer) : ''
  const organisation = orgNames.get(filters.organisation) ?? filters.organisation
  const scroll = useTableScroll()

  return (
    <Drawer
      open={Boolean(request)}
      onClose={onClose}
      size={760}
      rootClassName="lf-dash-drawer"
      destroyOnHidden
      title={<span data-testid="drill-title">{label}</span>}
      extra={
        request ? (
          <Button icon={<DownloadOutlined />} href={statsCsvUrl(request.line, scope)} download>
            {t('export')}
          </Button>
        ) : null
      }
    >
      <Typography.Paragraph type="secondary">
        {t('drill.period', { organisation, from: scope.from, to: scope.to })}
      </Typography.Paragraph>
      {cases.isPending ? (
        <Skeleton active />
      ) : cases.isError ? (
        <Alert
          type="error"
          showIcon
          title={cases.error instanceof ApiError ? cases.error.message : String(cases.error)}
        />
      ) : (
        <>
          <Typography.Paragraph strong role="status" data-testid="drill-total">
            {t('drill.total', { total: cases.data.length })}
          </Typography.Paragraph>
          {!canOpenCases && cases.data.length > 0 && (
            <Typography.Paragraph type="secondary">{t('drill.noLink')}</Typography.Paragraph>
          )}
          <Table<FigureCase>
            size="small"
            rowKey="instance"
            scroll={scroll}
            dataSource={cases.data}
            locale={{ emptyText: <span className="lf-dash-empty">{t('drill.none')}</span> }}
            pagination={cases.data.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            columns={[
              {
                title: t('drill.businessKey'),
                dataIndex: 'business_key',
                render: (key: string, row) =>
                  canOpenCases ? (
                    <Link to={caseUrl(row.instance)} aria-label={t('drill.open', { key })}>
                      {key}
                    </Link>
                  ) : (
                    key
                  ),
              },
              {
                title: t('drill.organisation'),
                dataIndex: 'organisation',
                render: (org: FigureCase['organisation']) => orgNames.get(org.code) ?? org.name,
              },
              { title: t('drill.started'), dataIndex: 'started_at', render: (value: string) => formatDateTime(value) },
              {
                title: t('drill.milestone'),
                dataIndex: 'milestone_at',
                render: (value: string | null) => formatDateTime(value),
              },
              {
                title: t('drill.onTime'),
                dataIndex: 'on_time',
                render: (value: boolean | null) =>
                  value === true ? (
                    <StatusTag tone="good" icon={<CheckCircleOutlined />}>
                      {t('drill.yes')}
                    </StatusTag>
                  ) : value === false ? (
                    <StatusTag tone="bad" icon={<CloseCircleOutlined />}>
                      {t('drill.no')}
                    </StatusTag>
                  ) : (
                    <Typography.Text type="secondary">{t('drill.na')}</Typography.Text>
                  ),
              },
            ]}
          />
        </>
      )}
    </Drawer>
  )
}
