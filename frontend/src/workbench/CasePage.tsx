/**
 * A case as a whole: where it stands on its diagram, who did what and when, its documents,
 * the timers ahead, its stage and next deadline.
 */
import { AimOutlined, ArrowLeftOutlined, CompressOutlined, FilePdfOutlined, ThunderboltOutlined } from '@ant-design/icons'
import { Alert, Button, Result, Skeleton, Space, Table, Tag, Typography } from 'antd'
import type { TableColumnsType } from 'antd'
import { lazy, Suspense, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router-dom'

import { Loading } from '../app/App'
import { ApiError } from '../app/api'
import type { HistoryEvent, Task } from '../app/types'
import { pickLang } from '../shared/bilingual'
import CaseActions from './CaseActions'
import CaseData, { AttachmentList } from './CaseData'
import { buildLabels } from './caseLabels'
import { formatDateTime } from './format'
import { describeEvent, elementNames, taskElements } from './history'
import { NS } from './i18n'
import { DueCountdown, TAG_TEXT, TaskTags, useLang } from './parts'
import { useAttachments, useDiagram, useDocuments, useInstance, useProcessFiles } from './queries'
import { queueUrl } from './session'

const DiagramViewer = lazy(() => import('./DiagramViewer'))

// Text dark enough on its tint (antd's preset tag colours are not, for WCAG AA).
const STATUS_STYLE: Record<string, { color: string; background: string; borderColor: string }> = {
  running: { color: '#0b3b8c', background: '#e6f0fb', borderColor: '#91caff' },
  completed: { color: '#135200', background: '#f1f9ec', borderColor: '#95de64' },
  error: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  cancelled: { color: 'rgba(0,0,0,.75)', background: '#fafafa', borderColor: '#d9d9d9' },
  suspended: { color: '#873800', background: '#fff7e6', borderColor: '#ffc069' },
}

function Legend() {
  const { t } = useTranslation(NS)
  return (
    <ul className="wb-legend" aria-label={t('case.legend')}>
      <li>
        <span className="wb-swatch wb-swatch-completed" aria-hidden /> {t('case.legendCompleted')}
      </li>
      <li>
        <span className="wb-swatch wb-swatch-current" aria-hidden /> {t('case.legendCurrent')}
      </li>
      <li>
        <span className="wb-swatch wb-swatch-waiting" aria-hidden /> {t('case.legendWaiting')}
      </li>
    </ul>
  )
}

export default function CasePage() {
  const id = Number(useParams().id)
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const instance = useInstance(id)
  const diagram = useDiagram(id)
  const documents = useDocuments(id)
  const attachments = useAttachments(id)
  const files = useProcessFiles(instance.data?.process, instance.data?.version)
  const labels = useMemo(() => (files.data ? buildLabels(files.data.files) : null), [files.data])
  const names = useMemo(() => elementNames(diagram.data?.bpmn), [diagram.data?.bpmn])
  const [view, setView] = useState<{ mode: 'fit' | 'work'; seq: number } | undefined>()
  const [diagramError, setDiagramError] = useState<string | null>(null)

  const history = useMemo(() => [...(instance.data?.history ?? [])].reverse(), [instance.data?.history])
  const tasksById = useMemo(() => taskElements(instance.data?.history ?? [], instance.data?.tasks ?? []), [instance.data])

  if (instance.isLoading) return <Loading />
  if (instance.isError || !instance.data) {
    const error = instance.error
    return (
      <Result
        status={error instanceof ApiError && error.status === 404 ? '404' : 'error'}
        title={error instanceof ApiError ? pickLang(error.message, lang) : tc('error')}
        extra={<Link to={queueUrl()}>{t('task.backToQueue')}</Link>}
      />
    )
  }
  const data = instance.data
  const nameOf = (bpmnId: string) => pickLang(names[bpmnId] ?? bpmnId, lang)
  const nextTask = data.tasks.find((task) => task.due_at && task.due_at === data.next_deadline)
  const waitingTimers = (diagram.data?.timers ?? data.timers).filter((timer) => timer.status === 'waiting')
  const currentNames = (diagram.data?.current ?? []).filter((bpmnId) => names[bpmnId]).map(nameOf)

  const historyColumns: TableColumnsType<HistoryEvent> = [
    { title: t('case.when'), dataIndex: 'created_at', width: 140, render: (value: string) => <span className="wb-small">{formatDateTime(value)}</span> },
    { title: t('case.who'), dataIndex: 'actor', width: 150, render: (_: unknown, event) => event.actor?.display_name ?? <span className="wb-muted">{t('case.system')}</span> },
    {
      title: t('case.what'),
      key: 'what',
      render: (_: unknown, event) => {
        const words = describeEvent(event, names, tasksById)
        return (
          <span>
            <strong className="wb-action">{t(words.actionKey)}</strong>
            {words.subject && <span> · {pickLang(words.subject, lang)}</span>}
            {words.note && <span className="wb-event-note"> · {pickLang(words.note, lang)}</span>}
          </span>
        )
      },
    },
  ]

  const taskColumns: TableColumnsType<Task> = [
    {
      title: t('col.task'),
      dataIndex: 'name',
      render: (_: unknown, task) => (
        <div className="wb-task-cell">
          <Link to={`/workbench/tasks/${task.id}`}>{pickLang(task.name, lang)}</Link>
          <TaskTags task={task} />
        </div>
      ),
    },
    { title: t('col.assignee'), dataIndex: 'assignee', width: 110, render: (_: unknown, task) => task.assignee?.display_name ?? <span className="wb-muted">{t('unassignedPerson')}</span> },
    { title: t('col.due'), dataIndex: 'due_at', width: 160, render: (_: unknown, task) => <DueCountdown dueAt={task.due_at} days={task.working_days_left} /> },
  ]

  return (
    <div className="wb-case-page">
      <div className="wb-back-row">
        <Link to={queueUrl()} className="wb-back">
          <ArrowLeftOutlined aria-hidden /> {t('task.backToQueue')}
        </Link>
      </div>
      <header className="wb-task-head">
        <div className="wb-task-title">
          <Typography.Title level={1} className="wb-h1">
            {t('case.title', { key: data.business_key })}
          </Typography.Title>
          <Tag style={STATUS_STYLE[data.status] ?? STATUS_STYLE.cancelled}>{tc(`status.${data.status}`, { defaultValue: data.status })}</Tag>
          {data.data?.green_channel === true && (
            <Tag color="green" icon={<ThunderboltOutlined aria-hidden />} style={TAG_TEXT.green}>
              {t('tag.green')}
            </Tag>
          )}
        </div>
        <dl className="wb-meta">
          <div>
            <dt>{t('case.process')}</dt>
            <dd>{pickLang(data.process_name, lang)}</dd>
          </div>
          <div>
            <dt>{t('case.stage')}</dt>
            <dd>
              <strong>{pickLang(data.stage, lang)}</strong>
            </dd>
          </div>
          <div>
            <dt>{t('case.nextDeadline')}</dt>
            <dd>{data.next_deadline ? <DueCountdown dueAt={data.next_deadline} days={nextTask?.working_days_left} inline /> : <span className="wb-muted">—</span>}</dd>
          </div>
          {data.organisation && (
            <div>
              <dt>{t('case.organisation')}</dt>
              <dd>{lang === 'en' && data.organisation.name_en ? data.organisation.name_en : data.organisation.name}</dd>
            </div>
          )}
          {data.applicant && (
            <div>
              <dt>{t('case.applicant')}</dt>
              <dd>{data.applicant.display_name}</dd>
            </div>
          )}
          <div>
            <dt>{t('case.started')}</dt>
            <dd>{formatDateTime(data.created_at)}</dd>
          </div>
        </dl>
        <CaseActions instance={data} />
      </header>

      <section className="wb-panel" aria-labelledby="wb-diagram-heading">
        <div className="wb-panel-head">
          <h2 id="wb-diagram-heading" className="wb-h2">
            {t('case.diagram')}
          </h2>
          <Legend />
          <Space size={4}>
            <Button size="small" icon={<AimOutlined />} onClick={() => setView((old) => ({ mode: 'work', seq: (old?.seq ?? 0) + 1 }))} disabled={!diagram.data?.current.length}>
              {t('case.focusCurrent')}
            </Button>
            <Button size="small" icon={<CompressOutlined />} onClick={() => setView((old) => ({ mode: 'fit', seq: (old?.seq ?? 0) + 1 }))}>
              {t('case.fit')}
            </Button>
          </Space>
        </div>
        {diagram.isError || diagramError ? (
          <Alert type="warning" showIcon title={t('case.diagramFailed', { message: diagramError ?? pickLang((diagram.error as Error).message, lang) })} />
        ) : diagram.data ? (
          <figure className="wb-diagram">
            <Suspense fallback={<div className="wb-diagram-canvas wb-diagram-loading">{t('case.diagramLoading')}</div>}>
              <DiagramViewer
                xml={diagram.data.bpmn}
                completed={diagram.data.completed}
                current={diagram.data.current}
                waiting={diagram.data.waiting}
                label={t('case.diagram')}
                view={view}
                onError={setDiagramError}
              />
            </Suspense>
            <figcaption className="wb-small">
              {currentNames.length ? t('case.currentSteps', { names: currentNames.join('、') }) : t('case.noCurrent')}
              <span className="wb-muted"> · {t('case.navHint')}</span>
            </figcaption>
          </figure>
        ) : (
          <div className="wb-diagram-canvas wb-diagram-loading">{t('case.diagramLoading')}</div>
        )}
      </section>

      <div className="wb-case-grid">
        <div className="wb-case-main">
          <section className="wb-panel" aria-labelledby="wb-history-heading">
            <h2 id="wb-history-heading" className="wb-h2">
              {t('case.history')} <span className="wb-muted wb-small">({history.length})</span>
            </h2>
            <Table<HistoryEvent>
              size="small"
              rowKey="id"
              columns={historyColumns}
              dataSource={history}
              pagination={history.length > 15 ? { pageSize: 15, size: 'small', showSizeChanger: false } : false}
              expandable={{
                columnTitle: <span className="wb-sr-only">{t('case.details')}</span>,
                rowExpandable: (event) => Boolean(event.detail?.submitted && Object.keys(event.detail.submitted as object).length),
                expandedRowRender: (event) => <CaseData data={event.detail.submitted as Record<string, unknown>} labels={labels} attachments={attachments.data ?? []} only />,
              }}
            />
          </section>
          <section className="wb-panel" aria-labelledby="wb-data-heading">
            <h2 id="wb-data-heading" className="wb-h2">
              {t('task.caseData')}
            </h2>
            {files.isLoading ? <Skeleton active /> : <CaseData data={data.data ?? {}} labels={labels} attachments={attachments.data ?? []} />}
          </section>
        </div>
        <div className="wb-case-side">
          <section className="wb-panel" aria-labelledby="wb-tasks-heading">
            <h2 id="wb-tasks-heading" className="wb-h2">
              {t('case.openTasks')}
            </h2>
            {data.tasks.length ? (
              <Table<Task> size="small" rowKey="id" columns={taskColumns} dataSource={data.tasks} pagination={false} />
            ) : (
              <p className="wb-muted wb-small">{t('case.noOpenTasks')}</p>
            )}
          </section>
          <section className="wb-panel" aria-labelledby="wb-timers-heading">
            <h2 id="wb-timers-heading" className="wb-h2">
              {t('case.timers')}
            </h2>
            {waitingTimers.length ? (
              <ul className="wb-plain-list wb-timers">
                {waitingTimers.map((timer) => (
                  <li key={`${timer.bpmn_id}-${timer.due_at}`} data-testid={`timer-${timer.bpmn_id}`}>
                    <span className="wb-timer-name">{nameOf(timer.bpmn_id)}</span>
                    <span className="wb-muted wb-small">
                      {t('case.timerDue')} {formatDateTime(timer.due_at)}
                    </span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="wb-muted wb-small">{t('case.noTimers')}</p>
            )}
          </section>
          <section className="wb-panel" aria-labelledby="wb-docs-heading">
            <h2 id="wb-docs-heading" className="wb-h2">
              {t('documents')}
            </h2>
            {documents.isError ? (
              <Alert type="warning" showIcon title={pickLang((documents.error as Error).message, lang)} />
            ) : documents.data?.length ? (
              <ul className="wb-plain-list">
                {documents.data.map((document) => (
                  <li key={document.id}>
                    <a href={document.download_url} target="_blank" rel="noreferrer" aria-label={t('downloadPdf', { title: pickLang(document.title, lang) })}>
                      <FilePdfOutlined aria-hidden /> {pickLang(document.title, lang)}
                    </a>{' '}
                    <span className="wb-muted wb-small">
                      {formatDateTime(document.created_at)}
                      {!document.rendered && ` · ${t('documentPending')}`}
                    </span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="wb-muted wb-small">{documents.isLoading ? tc('loading') : t('noDocuments')}</p>
            )}
          </section>
          <section className="wb-panel" aria-labelledby="wb-files-heading">
            <h2 id="wb-files-heading" className="wb-h2">
              {t('attachments')}
            </h2>
            {attachments.isError ? (
              <Alert type="warning" showIcon title={pickLang((attachments.error as Error).message, lang)} />
            ) : (
              <AttachmentList attachments={attachments.data ?? []} />
            )}
          </section>
        </div>
      </div>
    </div>
  )
}
