import { CheckCircleOutlined, WarningOutlined } from '@ant-design/icons'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Alert, Card, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'

import { api, ApiError } from '../app/api'
import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import { useTableScroll } from './LinePanel'
import { archivesUrl, formatRate, type Filters } from './logic'
import { StatusTag } from './StatusTag'

export interface ArchiveRateRow {
  process: string
  process_name: string
  organisation: { id: number; code: string; name: string }
  closed: number
  archived: number
  rate: number | null
  meets_target: boolean | null
}

export interface ArchiveRates {
  target: number
  rows: ArchiveRateRow[]
  total: Omit<ArchiveRateRow, 'process' | 'process_name' | 'organisation'>
}

interface Props {
  filters: Filters
  lang: Lang
  orgNames: Map<string, string>
}

function RateTag({ rate, meets, target }: { rate: number | null; meets: boolean | null; target: number }) {
  const { t } = useTranslation('dashboard')
  if (rate === null) return <Typography.Text type="secondary">{formatRate(rate)}</Typography.Text>
  return (
    <StatusTag tone={meets ? 'good' : 'bad'} icon={meets ? <CheckCircleOutlined /> : <WarningOutlined />}>
      {formatRate(rate)} · {meets ? t('metTarget') : t('belowTarget')} ({t('target', { target: formatRate(target) })})
    </StatusTag>
  )
}

/** The archive rate (卷宗归档率): closed cases with an archive / closed cases, against the plan's 100%. */
export function ArchivePanel({ filters, lang, orgNames }: Props) {
  const { t } = useTranslation('dashboard')
  const url = archivesUrl(filters)
  const rates = useQuery({
    queryKey: ['dashboard', 'archives', url],
    queryFn: ({ signal }) => api<ArchiveRates>(url, { signal }),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  })
  const scroll = useTableScroll()
  const data = rates.data

  return (
    <Card
      size="small"
      className="lf-dash-section"
      title={
        <h2 className="lf-dash-h2">
          {t('archives.title')}{' '}
          {data && <RateTag rate={data.total.rate} meets={data.total.meets_target} target={data.target} />}
        </h2>
      }
    >
      <Typography.Paragraph type="secondary">{t('archives.intro')}</Typography.Paragraph>
      {rates.isError ? (
        <Alert type="error" showIcon title={rates.error instanceof ApiError ? rates.error.message : String(rates.error)} />
      ) : (
        <Table<ArchiveRateRow>
          size="small"
          rowKey={(row) => `${row.process}:${row.organisation.code}`}
          scroll={scroll}
          loading={rates.isFetching}
          dataSource={data?.rows ?? []}
          pagination={false}
          locale={{ emptyText: <span className="lf-dash-empty">{t('archives.none')}</span> }}
          columns={[
            { title: t('archives.process'), dataIndex: 'process_name', render: (name: string) => pickLang(name, lang) },
            {
              title: t('archives.organisation'),
              dataIndex: 'organisation',
              render: (org: ArchiveRateRow['organisation']) => orgNames.get(org.code) ?? org.name,
            },
            { title: t('archives.closed'), dataIndex: 'closed', align: 'right' },
            { title: t('archives.archived'), dataIndex: 'archived', align: 'right' },
            {
              title: t('archives.rate'),
              key: 'rate',
              render: (_: unknown, row) => <RateTag rate={row.rate} meets={row.meets_target} target={data?.target ?? 100} />,
            },
          ]}
          summary={() =>
            data && data.rows.length > 0 ? (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0} colSpan={2}>
                  {t('archives.total')}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} align="right">
                  {data.total.closed}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  {data.total.archived}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={4}>{formatRate(data.total.rate)}</Table.Summary.Cell>
              </Table.Summary.Row>
            ) : null
          }
        />
      )}
    </Card>
  )
}
