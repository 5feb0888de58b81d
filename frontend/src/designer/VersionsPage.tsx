/**
 * `/designer/processes/:key/versions`: every deployed version with its cases, and what changed
 * between two of them — both diagrams side by side with the changes marked, and the list.
 */
import { AimOutlined, EditOutlined, NodeIndexOutlined, StopOutlined, SwapOutlined, UndoOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Empty, Flex, Popconfirm, Result, Select, Space, Spin, Table, Tag, Typography } from 'antd'
import { lazy, Suspense, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams, useSearchParams } from 'react-router-dom'

import { currentLang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import { designerKeys, fetchBpmn, fetchDiff, fetchProcess, restoreVersion, retireVersion, type ProcessVersion } from './api'
import { diffIsEmpty, diffMarkers, diffRows, KINDS, LEGEND, type ChangeKind, type DiffRow } from './diffLegend'
import { formatTime } from './format'
import { PublicTag } from './PublicTag'

const DiffViewer = lazy(() => import('./bpmn/DiffViewer'))

export function KindTag({ kind, count }: { kind: ChangeKind; count?: number }) {
  const { t } = useTranslation('designer')
  const legend = LEGEND[kind]
  return (
    <Tag style={{ color: legend.text, background: legend.fill, borderColor: legend.color }}>
      <span aria-hidden="true">{legend.symbol}</span> {t(`diff.kind.${kind}`)}
      {count !== undefined && <strong style={{ marginLeft: 6 }}>{count}</strong>}
    </Tag>
  )
}

export default function VersionsPage() {
  const { key = '' } = useParams()
  const { t } = useTranslation('designer')
  const lang = currentLang()
  const [search, setSearch] = useSearchParams()
  const detail = useQuery({ queryKey: designerKeys.detail(key), queryFn: () => fetchProcess(key) })
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const retirement = useMutation({
    mutationFn: ({ version, retire }: { version: number; retire: boolean }) =>
      retire ? retireVersion(key, version) : restoreVersion(key, version),
    onSuccess: async (definition) => {
      message.success(t(definition.retired ? 'versions.retiredDone' : 'versions.restoredDone', { version: definition.version }))
      await queryClient.invalidateQueries({ queryKey: ['designer'] })
    },
    onError: (error) => message.error(error instanceof Error ? error.message : String(error)),
  })
  const versions = useMemo(() => detail.data?.versions ?? [], [detail.data])
  const latest = detail.data?.latest_version ?? 0
  const to = Number(search.get('to')) || latest
  const from = Number(search.get('from')) || Math.max(1, to - 1)
  const canCompare = versions.length > 1 && from !== to
  const [focus, setFocus] = useState<{ id: string; n: number } | null>(null)

  const diff = useQuery({
    queryKey: designerKeys.diff(key, from, to),
    queryFn: () => fetchDiff(key, from, to),
    enabled: canCompare,
  })
  const fromXml = useQuery({ queryKey: designerKeys.bpmn(key, from), queryFn: () => fetchBpmn(key, from), enabled: canCompare, staleTime: Infinity })
  const toXml = useQuery({ queryKey: designerKeys.bpmn(key, to), queryFn: () => fetchBpmn(key, to), enabled: canCompare, staleTime: Infinity })
  const markers = useMemo(() => (diff.data ? diffMarkers(diff.data) : { from: {}, to: {} }), [diff.data])
  const rows = useMemo(() => (diff.data ? diffRows(diff.data) : []), [diff.data])
  // Open the comparison on the first change (changed elements come first).
  const firstChange = rows.find((row) => row.type !== 'process' && row.type !== 'lane')
  const shownFocus = focus ?? (firstChange ? { id: firstChange.id, n: 0 } : null)

  if (detail.isError) {
    return <Result status="error" title={t('loadFailed')} subTitle={(detail.error as Error).message} extra={<Link to="/designer">{t('backToList')}</Link>} />
  }
  if (!detail.data) {
    return (
      <div role="status" style={{ padding: 48, textAlign: 'center' }}>
        <Spin />
      </div>
    )
  }

  const choose = (name: 'from' | 'to', value: number) => {
    const next = new URLSearchParams(search)
    next.set(name, String(value))
    if (!next.get(name === 'from' ? 'to' : 'from')) next.set(name === 'from' ? 'to' : 'from', String(name === 'from' ? to : from))
    setSearch(next, { replace: true })
  }
  const options = versions.map((v) => ({ value: v.version, label: `v${v.version} · ${formatTime(v.deployed_at)}` }))

  const columns = [
    {
      title: t('versions.version'),
      dataIndex: 'version',
      render: (version: number) => (
        <Space size={4}>
          <Typography.Text strong>v{version}</Typography.Text>
          {version === latest && <Tag color="blue">{t('versions.latest')}</Tag>}
          {versions.find((v) => v.version === version)?.retired && <Tag color="default">{t('versions.retired')}</Tag>}
        </Space>
      ),
    },
    { title: t('versions.deployedAt'), dataIndex: 'deployed_at', render: (value: string) => formatTime(value) },
    { title: t('versions.deployedBy'), dataIndex: 'deployed_by', render: (user: ProcessVersion['deployed_by']) => user?.display_name ?? t('versions.system') },
    { title: t('versions.instances'), dataIndex: 'instance_count', align: 'right' as const },
    { title: t('versions.running'), dataIndex: 'running_count', align: 'right' as const },
    {
      title: t('versions.public'),
      dataIndex: 'is_public',
      render: (value: boolean) => <PublicTag isPublic={value} />,
    },
    { title: t('versions.files'), dataIndex: 'files', render: (files: string[]) => files.length },
    {
      title: t('actions'),
      key: 'actions',
      render: (_: unknown, row: ProcessVersion) => (
        <Space size={12} wrap>
          <Link to={`/designer/processes/${encodeURIComponent(key)}${row.version === latest ? '' : `?version=${row.version}`}`} aria-label={t('versions.openAria', { version: row.version })}>
            <EditOutlined /> {t('versions.open')}
          </Link>
          {row.retired ? (
            <Button size="small" icon={<UndoOutlined />} aria-label={t('versions.restoreAria', { version: row.version })} onClick={() => retirement.mutate({ version: row.version, retire: false })}>
              {t('versions.restore')}
            </Button>
          ) : (
            <Popconfirm
              title={t('versions.retireConfirm', { version: row.version })}
              description={<div style={{ maxWidth: 320 }}>{t('versions.retireHelp')}</div>}
              okText={t('versions.retire')}
              cancelText={t('cancel')}
              onConfirm={() => retirement.mutate({ version: row.version, retire: true })}
            >
              <Button size="small" icon={<StopOutlined />} aria-label={t('versions.retireAria', { version: row.version })}>
                {t('versions.retire')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ]

  const changeColumns = [
    { title: t('diff.kindColumn'), dataIndex: 'kind', width: 110, render: (kind: ChangeKind) => <KindTag kind={kind} /> },
    {
      title: t('diff.element'),
      key: 'element',
      render: (_: unknown, row: DiffRow) => (
        <div>
          <div>{pickLang(row.name, lang) || <Typography.Text type="secondary">{t('diff.unnamed')}</Typography.Text>}</div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {row.type} · {row.id}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('diff.what'),
      dataIndex: 'changes',
      render: (changes: string[], row: DiffRow) =>
        changes.length ? (
          <ul className="lexflow-change-list">
            {changes.map((change) => (
              <li key={change}>{change}</li>
            ))}
          </ul>
        ) : (
          t(row.kind === 'added' ? 'diff.addedWhole' : 'diff.removedWhole')
        ),
    },
    {
      title: t('actions'),
      key: 'show',
      width: 100,
      render: (_: unknown, row: DiffRow) =>
        row.type === 'process' ? null : (
          <Button size="small" icon={<AimOutlined />} onClick={() => setFocus({ id: row.id, n: Date.now() })} aria-label={t('diff.showAria', { id: row.id })}>
            {t('diff.show')}
          </Button>
        ),
    },
  ]

  return (
    <div className="lexflow-page">
      <Flex align="center" justify="space-between" wrap gap={8}>
        <Typography.Title level={1} className="lexflow-h1">
          {t('versions.title', { name: pickLang(detail.data.name, lang) })}
        </Typography.Title>
        <Space>
          <Link to="/designer">{t('backToList')}</Link>
          {versions.length > 1 && (
            <Link to={`/designer/processes/${encodeURIComponent(key)}/migrate`}>
              <Button icon={<NodeIndexOutlined />}>{t('versions.migrate')}</Button>
            </Link>
          )}
          <Link to={`/designer/processes/${encodeURIComponent(key)}`}>
            <Button type="primary" icon={<EditOutlined />}>
              {t('versions.edit')}
            </Button>
          </Link>
        </Space>
      </Flex>

      <Table
        rowKey="version"
        size="small"
        columns={columns}
        dataSource={versions}
        pagination={false}
        style={{ marginBottom: 16 }}
        aria-label={t('versions.tableLabel')}
      />

      <Card
        title={<h2 className="lexflow-h2">{t('diff.title')}</h2>}
        extra={
          versions.length > 1 && (
            <Space wrap>
              <label htmlFor="diff-from">{t('diff.from')}</label>
              <Select id="diff-from" aria-label={t('diff.from')} value={from} options={options} onChange={(v) => choose('from', v)} style={{ width: 210 }} />
              <Button
                icon={<SwapOutlined />}
                aria-label={t('diff.swap')}
                title={t('diff.swap')}
                onClick={() => setSearch(new URLSearchParams({ from: String(to), to: String(from) }), { replace: true })}
              />
              <label htmlFor="diff-to">{t('diff.to')}</label>
              <Select id="diff-to" aria-label={t('diff.to')} value={to} options={options} onChange={(v) => choose('to', v)} style={{ width: 210 }} />
            </Space>
          )
        }
      >
        {versions.length < 2 ? (
          <Empty description={t('diff.onlyOne')} />
        ) : from === to ? (
          <Empty description={t('diff.same')} />
        ) : diff.isError ? (
          <Alert type="error" showIcon title={(diff.error as Error).message} />
        ) : !diff.data ? (
          <Spin />
        ) : (
          <>
            <Flex gap={12} wrap align="center" className="lexflow-legend" role="list" aria-label={t('diff.legend')}>
              {KINDS.map((kind) => {
                const count = kind === 'added' ? diff.data.added.length : kind === 'removed' ? diff.data.removed.length : diff.data.changed.length
                return (
                  <span role="listitem" key={kind} aria-label={t(`diff.count.${kind}`, { count })}>
                    <KindTag kind={kind} count={count} />
                  </span>
                )
              })}
              {diff.data.files_changed.length > 0 && (
                <Typography.Text type="secondary">
                  {t('diff.filesChanged')} {diff.data.files_changed.join(', ')}
                </Typography.Text>
              )}
            </Flex>
            {diffIsEmpty(diff.data) && <Alert type="info" showIcon title={t('diff.none')} style={{ marginBottom: 12 }} />}
            {fromXml.data && toXml.data ? (
              <Suspense fallback={<Spin />}>
                <DiffViewer
                  fromXml={fromXml.data}
                  toXml={toXml.data}
                  fromLabel={t('diff.paneLabel', { version: from })}
                  toLabel={t('diff.paneLabel', { version: to })}
                  markers={markers}
                  focus={shownFocus}
                />
              </Suspense>
            ) : fromXml.isError || toXml.isError ? (
              <Alert type="error" showIcon title={((fromXml.error ?? toXml.error) as Error).message} />
            ) : (
              <Spin />
            )}
            <Table
              rowKey="key"
              size="small"
              columns={changeColumns}
              dataSource={rows}
              pagination={false}
              style={{ marginTop: 12 }}
              aria-label={t('diff.listLabel')}
              locale={{ emptyText: t('diff.none') }}
              onRow={(row) => ({ onClick: () => row.type !== 'process' && setFocus({ id: row.id, n: Date.now() }), style: { cursor: 'pointer' } })}
              data-testid="diff-list"
            />
          </>
        )}
      </Card>
    </div>
  )
}
