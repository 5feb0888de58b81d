/**
 * One task: its form beside the case it belongs to. Claim, complete (field errors on fields,
 * a clear message and a reload on 409), then straight on to the next task of the queue.
 */
import { ArrowLeftOutlined, ProfileOutlined } from '@ant-design/icons'
import { useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Result, Skeleton, Space, Tag, Typography } from 'antd'
import type { RegistryWidgetsType, WidgetProps } from '@rjsf/utils'
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router-dom'

import { Loading } from '../app/App'
import { api, ApiError, type FieldErrors } from '../app/api'
import { useAuth } from '../app/auth'
import type { Task, TaskDetail } from '../app/types'
import { pickLang } from '../shared/bilingual'
import CaseData, { AttachmentList } from './CaseData'
import { buildLabels } from './caseLabels'
import { parseFilters } from './filters'
import { useHotkeys } from './hotkeys'
import { NS } from './i18n'
import OpinionPanel from './OpinionPanel'
import { DueCountdown, Kbd, ShortcutHelp, TaskTags, useLang } from './parts'
import { fetchQueue, useAttachments, useClaim, useInstance, useProcessFiles, useTask } from './queries'
import TaskOperations from './TaskOperations'
import { queueIds, queueSearch, queueUrl, rememberTask } from './session'

const SchemaForm = lazy(() => import('../shared/SchemaForm'))

/** Staff forms do not upload; should one carry an upload field, show what is attached. */
function AttachmentIdsWidget(props: WidgetProps) {
  const value = Array.isArray(props.value) ? (props.value as string[]) : []
  return <span className="wb-mono wb-small">{value.length ? value.join(', ') : '—'}</span>
}
const WIDGETS: RegistryWidgetsType = { attachments: AttachmentIdsWidget }

/** The next task to work on: the one after this in the queue the caseworker came from. */
async function nextTask(current: number, meId: number | undefined): Promise<Task | null> {
  const filters = parseFilters(queueSearch())
  let page = await fetchQueue(filters)
  if (!page.results.length && filters.page > 1) page = await fetchQueue({ ...filters, page: 1 })
  const workable = page.results.filter((task) => task.id !== current && (!task.assignee || task.assignee.id === meId))
  const before = queueIds()
  const position = before.indexOf(current)
  if (position >= 0) {
    for (const id of before.slice(position + 1)) {
      const found = workable.find((task) => task.id === id)
      if (found) return found
    }
  }
  return workable[0] ?? null
}

function TaskView({ id }: { id: number }) {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const { me } = useAuth()
  const { message, modal } = App.useApp()
  const navigate = useNavigate()
  const client = useQueryClient()
  const task = useTask(id)
  const detail = task.data
  const instance = useInstance(detail?.instance)
  const files = useProcessFiles(detail?.process, instance.data?.version)
  const labels = useMemo(() => (files.data ? buildLabels(files.data.files) : null), [files.data])
  const attachments = useAttachments(detail?.instance)
  const claim = useClaim()
  const formRef = useRef<{ submit: () => void } | null>(null)
  const [formData, setFormData] = useState<Record<string, unknown> | undefined>()
  const [serverErrors, setServerErrors] = useState<FieldErrors | undefined>()
  const [dirty, setDirty] = useState(false)
  const [submitting, setSubmitting] = useState(false)
  const [conflict, setConflict] = useState<string | null>(null)
  const [helpOpen, setHelpOpen] = useState(false)
  const [opinion, setOpinion] = useState('')

  useEffect(() => rememberTask(id), [id])

  // The form starts from what the case already holds for its fields, then from what this step
  // was last completed with (a step sent back or taken back), then from what a delegate filled in.
  const initial = useMemo(() => {
    const properties = (detail?.form_schema?.properties ?? {}) as Record<string, unknown>
    const data = { ...detail?.data, ...detail?.prefill, ...detail?.draft }
    return Object.fromEntries(Object.keys(properties).filter((key) => key in data).map((key) => [key, data[key]]))
  }, [detail])

  // The validator speaks draft-07; the `$schema` line of 2020-12 files only makes it complain.
  // The form's own title heads the panel, so the root label is not repeated inside it.
  const formSchema = useMemo(() => {
    if (!detail?.form_schema) return null
    const { $schema, ...schema } = detail.form_schema
    void $schema
    return schema
  }, [detail?.form_schema])
  const uiSchema = useMemo(() => ({ ...detail?.ui_schema, 'ui:label': false }), [detail?.ui_schema])
  const formTitle = typeof formSchema?.title === 'string' ? pickLang(formSchema.title, lang) : t('task.form')

  const mine = Boolean(detail?.assignee && detail.assignee.id === me?.id)
  const open = detail?.status === 'open'
  const actions = detail?.actions
  // The server says whether the caller may complete it now (theirs, or a colleague's they stand in
  // for; not while it is out with a delegate or the case is suspended).
  const canWork = open && Boolean(detail?.assignee) && (actions ? actions.includes('complete') : mine)
  const name = detail ? pickLang(detail.name, lang) : ''

  function refresh() {
    void client.invalidateQueries({ queryKey: ['task', id] })
    if (detail) void client.invalidateQueries({ queryKey: ['instance', detail.instance] })
    void client.invalidateQueries({ queryKey: ['tasks'] })
    void client.invalidateQueries({ queryKey: ['task-counts'] })
  }

  async function act(action: 'claim' | 'unclaim') {
    if (!detail) return
    try {
      await claim.mutateAsync({ task: detail, action })
      message.success(t(action === 'claim' ? 'claimed' : 'unclaimed', { name }))
      setConflict(null)
    } catch (error) {
      const text = error instanceof ApiError ? pickLang(error.message, lang) : tc('error')
      if (error instanceof ApiError && error.status === 409) setConflict(t('task.conflict', { message: text }))
      else message.error(text)
    }
  }

  async function complete(data: Record<string, unknown>) {
    if (!detail || !canWork || submitting) return
    setSubmitting(true)
    setServerErrors(undefined)
    try {
      await api(`/tasks/${id}/complete`, { json: opinion.trim() ? { data, comment: opinion } : { data } })
      setDirty(false)
      setOpinion('')
      refresh()
      const next = await nextTask(id, me?.id).catch(() => null)
      if (next) {
        rememberTask(next.id)
        navigate(`/workbench/tasks/${next.id}`)
        message.success(t('task.completedNext', { name }))
      } else {
        navigate(queueUrl())
        message.success(t('task.queueDone', { name }))
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        setServerErrors(
          Object.fromEntries(Object.entries(error.fieldErrors).map(([field, messages]) => [field, messages.map((text) => pickLang(text, lang))])),
        )
        message.error(Object.keys(error.fieldErrors).length ? t('task.fixErrors') : pickLang(error.message, lang))
      } else if (error instanceof ApiError && error.status === 409) {
        setConflict(t('task.conflict', { message: pickLang(error.message, lang) }))
        refresh()
      } else {
        message.error(error instanceof ApiError ? pickLang(error.message, lang) : tc('error'))
      }
    } finally {
      setSubmitting(false)
    }
  }

  function back() {
    if (!dirty) {
      navigate(queueUrl())
      return
    }
    modal.confirm({
      title: t('task.discardTitle'),
      content: t('task.discardBody'),
      okText: t('task.discard'),
      cancelText: tc('cancel'),
      onOk: () => navigate(queueUrl()),
    })
  }

  useHotkeys(
    [
      {
        keys: (event) => event.key === 'Enter' && (event.ctrlKey || event.metaKey),
        whileTyping: true,
        onControls: true,
        handler: () => {
          if (!canWork) return
          if (formRef.current) formRef.current.submit()
          else if (!formSchema) void complete({})
        },
      },
      { keys: ['Escape'], handler: back },
      { keys: ['c'], handler: () => open && !detail?.assignee && void act('claim') },
      { keys: ['?'], handler: () => setHelpOpen(true) },
    ],
    !helpOpen,
  )

  if (task.isLoading) return <Loading />
  if (task.isError || !detail) {
    const error = task.error
    return (
      <Result
        status={error instanceof ApiError && error.status === 404 ? '404' : 'error'}
        title={error instanceof ApiError ? pickLang(error.message, lang) : tc('error')}
        extra={<Button onClick={() => navigate(queueUrl())}>{t('task.backToQueue')}</Button>}
      />
    )
  }

  const statusText = tc(`status.${detail.status}`, { defaultValue: detail.status })
  const suspended = instance.data?.status === 'suspended' || detail.instance_status === 'suspended'

  function operated(operation: string, result: TaskDetail, left: boolean) {
    refresh()
    if (operation === 'withdraw') navigate(`/workbench/tasks/${result.id}`)
    else if (left) navigate(queueUrl())
  }

  return (
    <div className="wb-task-page">
      <div className="wb-back-row">
        <Link to={queueUrl()} onClick={(event) => { event.preventDefault(); back() }} className="wb-back">
          <ArrowLeftOutlined aria-hidden /> {t('task.backToQueue')} <Kbd>Esc</Kbd>
        </Link>
        <Button size="small" type="text" onClick={() => setHelpOpen(true)}>
          {t('shortcuts')} <Kbd>?</Kbd>
        </Button>
      </div>
      <header className="wb-task-head">
        <div className="wb-task-title">
          <Typography.Title level={1} className="wb-h1">
            {name}
          </Typography.Title>
          <TaskTags task={detail} />
          {!open && <Tag>{statusText}</Tag>}
        </div>
        <dl className="wb-meta">
          <div>
            <dt>{t('task.caseNo')}</dt>
            <dd>
              <Link to={`/workbench/cases/${detail.instance}`} className="wb-mono">
                {detail.business_key}
              </Link>
            </dd>
          </div>
          <div>
            <dt>{t('task.service')}</dt>
            <dd>{pickLang(detail.process_name ?? detail.process, lang)}</dd>
          </div>
          {detail.stage && (
            <div>
              <dt>{t('task.stage')}</dt>
              <dd>{pickLang(detail.stage, lang)}</dd>
            </div>
          )}
          <div>
            <dt>{t('task.due')}</dt>
            <dd>
              <DueCountdown dueAt={detail.due_at} days={detail.working_days_left} inline />
            </dd>
          </div>
          <div>
            <dt>{t('task.assignee')}</dt>
            <dd>{detail.assignee ? (mine ? t('you') : detail.assignee.display_name) : <span className="wb-muted">{t('unassignedPerson')}</span>}</dd>
          </div>
          <div>
            <dt>{t('task.priority')}</dt>
            <dd>{detail.priority}</dd>
          </div>
        </dl>
      </header>

      {conflict && <Alert type="warning" showIcon role="alert" title={conflict} closable={{ onClose: () => setConflict(null) }} className="wb-gap" />}
      {open && suspended && (
        <Alert type="warning" showIcon className="wb-gap" title={t('notice.suspended', { reason: instance.data?.suspension?.reason ?? '' })} />
      )}
      {open && detail.return_reason && (
        <Alert
          type="warning"
          showIcon
          className="wb-gap"
          data-testid="return-reason"
          title={
            detail.returned_by
              ? t('notice.returned', { name: detail.returned_by.display_name, reason: detail.return_reason })
              : t('notice.returnedNoName', { reason: detail.return_reason })
          }
        />
      )}
      {open && detail.delegation === 'pending' && <Alert type="info" showIcon className="wb-gap" title={t('notice.delegated', { name: detail.assignee?.display_name ?? '' })} />}
      {open && detail.delegation === 'resolved' && mine && (
        <Alert type="success" showIcon className="wb-gap" title={t('notice.resolvedBack', { name: detail.comments?.filter((c) => c.kind === 'resolution').at(-1)?.author.display_name ?? '' })} />
      )}
      {open && detail.urged_at && (
        <Alert type="info" showIcon className="wb-gap" title={detail.urge_note ? t('notice.urgedNote', { note: detail.urge_note }) : t('notice.urgedNoNote')} />
      )}

      <div className="wb-task-grid">
        <section className="wb-panel wb-task-form" aria-labelledby="wb-form-heading">
          <div className="wb-panel-head">
            <h2 id="wb-form-heading" className="wb-h2">
              {formTitle}
            </h2>
            {open && (actions ? actions.includes('unclaim') : mine) && (
              <Button size="small" onClick={() => void act('unclaim')} loading={claim.isPending}>
                {t('unclaim')}
              </Button>
            )}
          </div>
          <TaskOperations task={detail} draft={formData ?? initial} onDone={operated} />
          {!open && <Alert type="info" showIcon title={t('task.notOpen', { status: statusText })} className="wb-gap" />}
          {open && !detail.assignee && (
            <Alert
              type="info"
              showIcon
              title={t('task.claimFirst')}
              action={
                <Button type="primary" onClick={() => void act('claim')} loading={claim.isPending}>
                  {t('claim')}
                </Button>
              }
              className="wb-gap"
            />
          )}
          {open && detail.assignee && !mine && !canWork && detail.delegation !== 'pending' && (
            <Alert type="warning" showIcon title={t('task.claimedByOther', { name: detail.assignee.display_name })} className="wb-gap" />
          )}
          {formSchema ? (
            <Suspense fallback={<Skeleton active />}>
              <SchemaForm
                formRef={formRef}
                schema={formSchema as never}
                uiSchema={uiSchema as never}
                formData={formData ?? initial}
                widgets={WIDGETS}
                disabled={!canWork || submitting}
                serverErrors={serverErrors}
                idPrefix={`task-${id}`}
                onChange={(data) => {
                  setFormData(data)
                  setDirty(true)
                }}
                onSubmit={(data) => void complete(data)}
              >
                <div className="wb-form-actions">
                  <Button type="primary" htmlType="submit" loading={submitting} disabled={!canWork}>
                    {t('task.complete')}
                  </Button>
                  <span className="wb-muted wb-small">{t('task.submitHint')}</span>
                </div>
              </SchemaForm>
            </Suspense>
          ) : (
            <>
              <p className="wb-muted">{t('task.noForm')}</p>
              <Space>
                <Button type="primary" onClick={() => void complete({})} loading={submitting} disabled={!canWork}>
                  {t('task.complete')}
                </Button>
                <span className="wb-muted wb-small">{t('task.submitHint')}</span>
              </Space>
            </>
          )}
          <OpinionPanel task={detail} value={opinion} onChange={setOpinion} withCompletion={canWork} onPosted={refresh} />
        </section>
        <aside className="wb-panel wb-task-side" aria-labelledby="wb-case-heading">
          <div className="wb-panel-head">
            <h2 id="wb-case-heading" className="wb-h2">
              {t('task.caseData')}
            </h2>
            <Link to={`/workbench/cases/${detail.instance}`}>
              <ProfileOutlined aria-hidden /> {t('task.openCase')}
            </Link>
          </div>
          {instance.isLoading || files.isLoading ? (
            <Skeleton active paragraph={{ rows: 6 }} />
          ) : (
            <CaseData data={detail.data ?? {}} labels={labels} attachments={attachments.data ?? []} />
          )}
          <h3 className="wb-section-heading">{t('attachments')}</h3>
          {attachments.isError ? (
            <Alert type="warning" showIcon title={pickLang((attachments.error as Error).message, lang)} />
          ) : (
            <AttachmentList attachments={attachments.data ?? []} />
          )}
        </aside>
      </div>
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  )
}

export default function TaskPage() {
  const id = Number(useParams().id)
  // A new task is a new form: nothing typed for the last one carries over.
  return <TaskView key={id} id={id} />
}
