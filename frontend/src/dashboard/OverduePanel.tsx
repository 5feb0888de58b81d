import { WarningOutlined } from '@ant-design/icons'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { Alert, Card, Table, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router-dom'

import { api, ApiError } from '../app/api'
import type { Lang } from '../app/i18n'
import type { UserRef } from '../app/types'
import { pickLang } from '../shared/bilingual'
import { useTableScroll } from './LinePanel'
import { caseUrl, formatDateTime, overdueUrl } from './logic'
import { StatusTag } from './StatusTag'

export interface OverdueTask {
  task: number
  instance: number
  business_key: string
  process: string
  process_name: string
  task_name: string
  bpmn_id: string
  organisation: { id: number; code: string; name: string }
  assignee: UserRef | null
  due_at: string
  working_days_overdue: number
}

interface OverduePage {
  count: number
  next: string | null
  previous: string | null
  results: OverdueTask[]
}

const PAGE_SIZE = 20

interface Props {
  organisation: string
  lang: Lang
  orgNames: Map<string, string>
  canOpenCases: boolean
}

/** Open tasks past their due date anywhere in the organisation and below, most overdue first. */
export function OverduePanel({ organisation, lang, orgNames, canOpenCases }: Props) {
  const { t } = useTranslation('dashboard')
  const [page, setPage] = useState(1)
  const url = overdueUrl(organisation, page, PAGE_SIZE)
  const overdue = useQuery({
    queryKey: ['dashboard', 'overdue', url],
    queryFn: ({ signal }) => api<OverduePage>(url, { signal }),
    enabled: Boolean(organisation),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  })
  const scroll = useTableScroll()

  return (
    <Card
      size="small"
      className="lf-dash-section"
      title={
        <h2 className="lf-dash-h2">
          {t('overdueTasks.title')}{' '}
          {overdue.data && (
            <StatusTag tone={overdue.data.count ? 'bad' : 'good'} icon={overdue.data.count ? <WarningOutlined /> : undefined}>
              {t('overdueTasks.total', { total: overdue.data.count })}
            </StatusTag>
          )}
        </h2>
      }
    >
      <Typography.Paragraph type="secondary">{t('overdueTasks.intro')}</Typography.Paragraph>
      {overdue.isError ? (
        <Alert type="error" showIcon title={overdue.error instanceof ApiError ? overdue.error.message : String(overdue.error)} />
      ) : (
        <Table<OverdueTask>
          size="small"
          rowKey="task"
          scroll={scroll}
          loading={overdue.isFetching}
          dataSource={overdue.data?.results ?? []}
          locale={{ emptyText: <span className="lf-dash-empty">{t('overdueTasks.none')}</span> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: overdue.data?.count ?? 0,
            showSizeChanger: false,
            showTotal: (total) => t('overdueTasks.total', { total }),
            onChange: setPage,
          }}
          columns={[
            {
              title: t('overdueTasks.businessKey'),
              dataIndex: 'business_key',
              render: (key: string, row) =>
                canOpenCases ? <Link to={caseUrl(row.instance)}>{key}</Link> : key,
            },
            { title: t('overdueTasks.process'), dataIndex: 'process_name', render: (name: string) => pickLang(name, lang) },
            { title: t('overdueTasks.task'), dataIndex: 'task_name', render: (name: string) => pickLang(name, lang) },
            {
              title: t('overdueTasks.organisation'),
              dataIndex: 'organisation',
              render: (org: OverdueTask['organisation']) => orgNames.get(org.code) ?? org.name,
            },
            {
              title: t('overdueTasks.assignee'),
              dataIndex: 'assignee',
              render: (user: UserRef | null) =>
                user ? user.display_name : <Typography.Text type="secondary">{t('overdueTasks.unassigned')}</Typography.Text>,
            },
            { title: t('overdueTasks.due'), dataIndex: 'due_at', render: (value: string) => formatDateTime(value) },
            {
              title: t('overdueTasks.days'),
              dataIndex: 'working_days_overdue',
              align: 'right',
              render: (days: number) => (
                <StatusTag tone="bad" icon={<WarningOutlined />}>
                  {t('overdueTasks.daysValue', { days })}
                </StatusTag>
              ),
            },
          ]}
        />
      )}
    </Card>
  )
}
