/** `/designer`: every deployed process with its latest version; open, compare, or start a new one. */
import { EditOutlined, HistoryOutlined, PlusOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Flex, Table, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router-dom'

import { currentLang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import { designerKeys, fetchProcesses, type ProcessSummary } from './api'
import { formatTime } from './format'
import { PublicTag } from './PublicTag'

export default function ProcessListPage() {
  const { t } = useTranslation('designer')
  const navigate = useNavigate()
  const lang = currentLang()
  const processes = useQuery({ queryKey: designerKeys.list, queryFn: fetchProcesses })

  const columns = [
    {
      title: t('list.name'),
      key: 'name',
      render: (_: unknown, row: ProcessSummary) => (
        <div>
          <Link to={`/designer/processes/${encodeURIComponent(row.key)}`}>{pickLang(row.name, lang) || row.key}</Link>
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {row.key}
            </Typography.Text>
          </div>
        </div>
      ),
      sorter: (a: ProcessSummary, b: ProcessSummary) => a.key.localeCompare(b.key),
    },
    { title: t('list.version'), dataIndex: 'version', render: (version: number) => `v${version}`, width: 100 },
    {
      title: t('list.public'),
      dataIndex: 'is_public',
      width: 140,
      render: (value: boolean) => <PublicTag isPublic={value} />,
    },
    { title: t('list.deployedAt'), dataIndex: 'deployed_at', render: (value: string) => formatTime(value), width: 170 },
    {
      title: t('list.deployedBy'),
      dataIndex: 'deployed_by',
      render: (user: ProcessSummary['deployed_by']) => user?.display_name ?? t('versions.system'),
      width: 140,
    },
    {
      title: t('actions'),
      key: 'actions',
      width: 220,
      render: (_: unknown, row: ProcessSummary) => (
        <Flex gap={12}>
          <Link to={`/designer/processes/${encodeURIComponent(row.key)}`} aria-label={t('list.editAria', { key: row.key })}>
            <EditOutlined /> {t('list.edit')}
          </Link>
          <Link to={`/designer/processes/${encodeURIComponent(row.key)}/versions`} aria-label={t('list.versionsAria', { key: row.key })}>
            <HistoryOutlined /> {t('list.versions')}
          </Link>
        </Flex>
      ),
    },
  ]

  return (
    <div className="lexflow-page">
      <Flex align="center" justify="space-between" wrap gap={8}>
        <Typography.Title level={1} className="lexflow-h1">
          {t('list.title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/designer/new')}>
          {t('newProcess')}
        </Button>
      </Flex>
      <Typography.Paragraph type="secondary">{t('list.intro')}</Typography.Paragraph>
      {processes.isError && <Alert type="error" showIcon title={(processes.error as Error).message} style={{ marginBottom: 12 }} />}
      <Table
        rowKey="key"
        columns={columns}
        dataSource={processes.data ?? []}
        loading={processes.isLoading}
        pagination={false}
        aria-label={t('list.tableLabel')}
      />
    </div>
  )
}
