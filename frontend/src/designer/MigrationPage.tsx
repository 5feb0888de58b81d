/**
 * `/designer/processes/:key/migrate`: move running cases to another version. Pick the versions,
 * check (a dry run: each case grouped by the step it stands at, whether it can move and what
 * changes for it), map the steps the new version removed, move, and see what happened.
 */
import { SwapRightOutlined } from '@ant-design/icons'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Empty, Flex, Modal, Result, Select, Space, Spin, Table, Tag, Typography } from 'antd'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router-dom'

import { currentLang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import {
  designerKeys,
  fetchProcess,
  migrateCases,
  type CaseMigration,
  type MigrationOutcome,
  type MigrationReport,
  type StepRef,
} from './api'
import {
  defaultVersions,
  groupByStep,
  mappingChanged,
  mappingToSend,
  nextMapping,
  summarize,
  targetOptions,
  targetVersions,
  unmappedSteps,
  type StepGroup,
} from './migration'

// Text dark enough on its tint to read (WCAG AA): antd's preset tag colours are too light.
const OUTCOME_STYLES: Record<MigrationOutcome, { color: string; background: string; borderColor: string }> = {
  movable: { color: '#0958d9', background: '#e6f4ff', borderColor: '#91caff' },
  moved: { color: '#237804', background: '#f6ffed', borderColor: '#b7eb8f' },
  refused: { color: '#ad4e00', background: '#fff7e6', borderColor: '#ffd591' },
  failed: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
}

function OutcomeTag({ outcome, count }: { outcome: MigrationOutcome; count?: number }) {
  const { t } = useTranslation('designer')
  return (
    <Tag style={OUTCOME_STYLES[outcome]}>
      {t(`migrate.outcome.${outcome}`)}
      {count !== undefined && ` ${count}`}
    </Tag>
  )
}

export default function MigrationPage() {
  const { key = '' } = useParams()
  const { t } = useTranslation('designer')
  const lang = currentLang()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const detail = useQuery({ queryKey: designerKeys.detail(key), queryFn: () => fetchProcess(key) })
  const versions = useMemo(() => detail.data?.versions ?? [], [detail.data])
  const [from, setFrom] = useState<number | null>(null)
  const [to, setTo] = useState<number | null>(null)
  const [mapping, setMapping] = useState<Record<string, string>>({})
  const [report, setReport] = useState<MigrationReport | null>(null)
  const [result, setResult] = useState<MigrationReport | null>(null)
  const [confirming, setConfirming] = useState(false)

  useEffect(() => {
    if (from !== null || !versions.length) return
    const chosen = defaultVersions(versions)
    setFrom(chosen.from)
    setTo(chosen.to)
  }, [versions, from])

  const check = useMutation({
    mutationFn: (sent: Record<string, string>) =>
      migrateCases(key, { from_version: from ?? 0, to_version: to ?? 0, instances: 'all', mapping: mappingToSend(sent), dry_run: true }),
    onSuccess: (checked, sent) => {
      setReport(checked)
      setMapping(nextMapping(sent, checked.removed_steps))
    },
    onError: (error) => message.error(error instanceof Error ? error.message : String(error)),
  })
  const run = useMutation({
    mutationFn: (checked: MigrationReport) =>
      migrateCases(key, {
        from_version: checked.from_version,
        to_version: checked.to_version,
        instances: checked.movable,
        mapping: checked.mapping,
        dry_run: false,
      }),
    onSuccess: async (moved) => {
      setResult(moved)
      setReport(null)
      message.success(t('migrate.ran'))
      await queryClient.invalidateQueries({ queryKey: designerKeys.detail(key) })
    },
    onError: (error) => message.error(error instanceof Error ? error.message : String(error)),
  })

  const choose = (which: 'from' | 'to', value: number) => {
    if (which === 'from') {
      setFrom(value)
      if (to === value) setTo(targetVersions(versions, value)[0]?.version ?? null)
    } else {
      setTo(value)
    }
    setReport(null)
    setResult(null)
    setMapping({})
  }

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

  const fromOptions = versions.map((v) => ({
    value: v.version,
    label: t('migrate.versionOption', { version: v.version, running: v.running_count }),
  }))
  const toOptions = targetVersions(versions, from).map((v) => ({ value: v.version, label: `v${v.version}` }))
  const fromVersion = versions.find((v) => v.version === from)
  const stale = report !== null && mappingChanged(report, mapping)
  const missing = report ? unmappedSteps(report.removed_steps, mapping) : []

  return (
    <div className="lexflow-page">
      <Flex align="center" justify="space-between" wrap gap={8}>
        <Typography.Title level={1} className="lexflow-h1">
          {t('migrate.title', { name: pickLang(detail.data.name, lang) })}
        </Typography.Title>
        <Link to={`/designer/processes/${encodeURIComponent(key)}/versions`}>{t('migrate.back')}</Link>
      </Flex>
      <Typography.Paragraph type="secondary" style={{ maxWidth: 880 }}>
        {t('migrate.intro')}
      </Typography.Paragraph>

      {versions.length < 2 ? (
        <Empty description={t('migrate.needTwo')} />
      ) : (
        <Card style={{ marginBottom: 16 }}>
          <Space wrap align="center">
            <label htmlFor="migrate-from">{t('migrate.from')}</label>
            <Select id="migrate-from" aria-label={t('migrate.from')} value={from ?? undefined} options={fromOptions} onChange={(v) => choose('from', v)} style={{ width: 220 }} />
            <SwapRightOutlined aria-hidden="true" />
            <label htmlFor="migrate-to">{t('migrate.to')}</label>
            <Select id="migrate-to" aria-label={t('migrate.to')} value={to ?? undefined} options={toOptions} onChange={(v) => choose('to', v)} style={{ width: 160 }} />
            <Button type="primary" onClick={() => check.mutate(mapping)} loading={check.isPending} disabled={from === null || to === null || run.isPending}>
              {t('migrate.check')}
            </Button>
          </Space>
          {fromVersion && fromVersion.running_count === 0 && !report && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
              {t('migrate.noRunning')}
            </Typography.Paragraph>
          )}
        </Card>
      )}

      {report && (
        <section aria-label={t('migrate.groupsLabel')} data-testid="migration-dry-run">
          <Alert
            type={report.movable.length === report.cases.length ? 'success' : 'warning'}
            showIcon
            title={t('migrate.summary', { ...summarize(report) })}
            style={{ marginBottom: 12 }}
            action={
              <Button
                type="primary"
                onClick={() => setConfirming(true)}
                disabled={!report.movable.length || stale || run.isPending}
                loading={run.isPending}
              >
                {t('migrate.run', { count: report.movable.length })}
              </Button>
            }
          />
          {report.removed_steps.length > 0 && (
            <Card title={<h2 className="lexflow-h2">{t('migrate.mapTitle')}</h2>} style={{ marginBottom: 12 }} data-testid="migration-mapping">
              <Typography.Paragraph type="secondary">{t('migrate.mapIntro')}</Typography.Paragraph>
              <Flex vertical gap={8}>
                {report.removed_steps.map((step) => (
                  <Flex key={step.id} gap={8} align="center" wrap>
                    <Typography.Text strong style={{ minWidth: 260 }}>
                      {t('migrate.mapStep', { name: pickLang(step.name, lang) || step.id, id: step.id, count: step.cases.length })}
                    </Typography.Text>
                    <span>{t('migrate.mapTo')}</span>
                    <Select
                      aria-label={t('migrate.mapLabel', { id: step.id })}
                      value={mapping[step.id] || undefined}
                      placeholder={t('migrate.mapChoose')}
                      allowClear
                      style={{ minWidth: 280 }}
                      onChange={(value?: string) => setMapping((current) => ({ ...current, [step.id]: value ?? '' }))}
                      options={targetOptions(step, report.targets).map((target) => ({
                        value: target.id,
                        label: `${stepName(target, lang)}${target.id === step.suggestion ? ` · ${t('migrate.suggested')}` : ''}`,
                      }))}
                    />
                  </Flex>
                ))}
              </Flex>
              {(stale || missing.length > 0) && (
                <Flex gap={8} align="center" style={{ marginTop: 12 }} wrap>
                  {stale && <Alert type="info" showIcon title={t('migrate.stale')} />}
                  <Button onClick={() => check.mutate(mapping)} loading={check.isPending}>
                    {t('migrate.checkAgain')}
                  </Button>
                </Flex>
              )}
            </Card>
          )}
          <CaseGroups groups={groupByStep(report.cases)} />
        </section>
      )}

      {result && (
        <section data-testid="migration-result">
          <Result
            status={result.failed.length ? 'warning' : 'success'}
            title={t('migrate.ran')}
            subTitle={t('migrate.resultSummary', { ...summarize(result) })}
          />
          <CaseGroups groups={groupByStep(result.cases)} />
        </section>
      )}

      <Modal
        open={confirming}
        title={report ? t('migrate.runConfirm', { count: report.movable.length, from: report.from_version, to: report.to_version }) : ''}
        onCancel={() => setConfirming(false)}
        onOk={() => {
          setConfirming(false)
          if (report) run.mutate(report)
        }}
        okText={t('migrate.run', { count: report?.movable.length ?? 0 })}
        cancelText={t('cancel')}
        destroyOnHidden
      >
        <p>{t('migrate.runHelp')}</p>
      </Modal>
    </div>
  )
}

function stepName(step: StepRef, lang: ReturnType<typeof currentLang>): string {
  const name = pickLang(step.name, lang)
  return name ? `${name} (${step.id})` : step.id
}

function CaseGroups({ groups }: { groups: StepGroup[] }) {
  const { t } = useTranslation('designer')
  const lang = currentLang()
  const columns = [
    {
      title: t('migrate.case'),
      key: 'case',
      width: 200,
      render: (_: unknown, item: CaseMigration) => (
        <Link to={`/workbench/cases/${item.id}`} aria-label={t('migrate.openCase', { key: item.business_key || item.id })}>
          {item.business_key || `#${item.id}`}
        </Link>
      ),
    },
    {
      title: t('migrate.outcomeColumn'),
      dataIndex: 'outcome',
      width: 120,
      render: (outcome: MigrationOutcome) => <OutcomeTag outcome={outcome} />,
    },
    {
      title: t('migrate.changes'),
      key: 'changes',
      render: (_: unknown, item: CaseMigration) =>
        item.reason && item.outcome !== 'movable' && item.outcome !== 'moved' ? (
          <Typography.Text style={{ color: OUTCOME_STYLES[item.outcome].color }}>{pickLang(item.reason, lang)}</Typography.Text>
        ) : item.changes.length ? (
          <ul className="lexflow-change-list">
            {item.changes.map((change) => (
              <li key={change}>{pickLang(change, lang)}</li>
            ))}
          </ul>
        ) : (
          <Typography.Text type="secondary">{t('migrate.noChanges')}</Typography.Text>
        ),
    },
  ]
  return (
    <Flex vertical gap={12}>
      {groups.map((group) => (
        <Card
          key={group.key}
          size="small"
          data-testid={`migration-group-${group.key}`}
          title={
            <Space wrap>
              <span>{t('migrate.standsAt')}</span>
              {group.steps.map((step) => (
                <Tag key={step.id}>{stepName(step, lang)}</Tag>
              ))}
              <Typography.Text type="secondary">{t('migrate.cases', { count: group.cases.length })}</Typography.Text>
            </Space>
          }
          extra={
            <Space size={4}>
              {(Object.keys(group.counts) as MigrationOutcome[])
                .filter((outcome) => group.counts[outcome] > 0)
                .map((outcome) => (
                  <OutcomeTag key={outcome} outcome={outcome} count={group.counts[outcome]} />
                ))}
            </Space>
          }
        >
          <Table rowKey="id" size="small" columns={columns} dataSource={group.cases} pagination={false} />
        </Card>
      ))}
    </Flex>
  )
}
