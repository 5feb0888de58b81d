/**
 * One of the applicant's cases: where it stands in plain words, what is asked of them now (with
 * the form to do it), how it got here, every notice to download, their uploads, a rating once it
 * is closed, and a way to complain about it.
 */
import {
  ArrowLeftOutlined,
  DownloadOutlined,
  ExclamationCircleFilled,
  FilePdfOutlined,
  PaperClipOutlined,
} from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Input, Radio, Result, Typography } from 'antd'
import { lazy, Suspense, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router-dom'

import { api, ApiError, type FieldErrors } from '../app/api'
import { Loading } from '../app/App'
import { useAuth } from '../app/auth'
import { currentLang, type Lang } from '../app/i18n'
import type { InstanceDetail, Page, Task, TaskDetail } from '../app/types'
import AttachmentsWidget, { formatSize } from '../shared/AttachmentsWidget'
import { pickLang } from '../shared/bilingual'
import { formatTime, serviceName } from './format'
import './i18n'
import { choiceLabels, missingList } from './materials'
import './portal.css'
import { useServices } from './ServicesPage'
import { asEnums, plainSchema, type Json } from './steps'
import { buildTimeline, readElements, type NoticeRef, type TimelineItem } from './timeline'

const SchemaForm = lazy(() => import('../shared/SchemaForm'))
const WIDGETS = { attachments: AttachmentsWidget }

interface Notice extends NoticeRef {
  template: string
  verification_code: string
}

interface CaseFile {
  id: string
  name: string
  size: number
  uploaded_at: string
}

export default function CasePage() {
  const { id = '' } = useParams()
  const { t, i18n } = useTranslation('portal')
  const lang: Lang = i18n.language === 'en' ? 'en' : currentLang()
  const { me } = useAuth()
  const instance = useQuery({
    queryKey: ['instance', id],
    queryFn: () => api<InstanceDetail>(`/instances/${id}`),
    retry: false,
  })
  const tasks = useQuery({
    queryKey: ['tasks', 'case', id],
    queryFn: () => api<Page<Task>>('/tasks', { query: { instance: id } }),
  })
  const notices = useQuery({ queryKey: ['documents', id], queryFn: () => api<Notice[]>(`/instances/${id}/documents`) })
  const files = useQuery({ queryKey: ['case-files', id], queryFn: () => api<CaseFile[]>(`/instances/${id}/attachments`) })
  const process = instance.data?.process
  const version = instance.data?.version
  const bpmn = useQuery({
    queryKey: ['bpmn', process, version],
    queryFn: () => api<string>(`/processes/${process}/versions/${version}/bpmn`),
    enabled: Boolean(process && version),
    staleTime: Infinity,
    retry: false,
  })
  const elements = useMemo(() => readElements(typeof bpmn.data === 'string' ? bpmn.data : ''), [bpmn.data])
  const [done, setDone] = useState(false)

  if (instance.isLoading) return <Loading />
  if (instance.error || !instance.data) {
    const missing = instance.error instanceof ApiError && instance.error.status === 404
    return (
      <Result
        status={missing ? '404' : 'error'}
        title={missing ? t('case.notFound') : t('loadFailed')}
        subTitle={missing ? undefined : instance.error?.message}
        extra={<Link to="/portal">{t('case.back')}</Link>}
      />
    )
  }
  const item = instance.data
  const open = (tasks.data?.results ?? []).filter((task) => task.status === 'open' || task.status === 'claimed')
  const timeline = buildTimeline({
    history: item.history ?? [],
    elements,
    notices: notices.data ?? [],
    currentStage: item.stage,
    me: me?.id,
  })
  const name = serviceName(item.process, item.process_name, lang, t, 'case')
  const org = item.organisation ? (lang === 'en' ? item.organisation.name_en || item.organisation.name : item.organisation.name) : ''

  return (
    <div className="lf-portal lf-case-page">
      <Link to="/portal" className="lf-back">
        <ArrowLeftOutlined aria-hidden /> {t('case.back')}
      </Link>
      <Typography.Title level={1} className="lf-h1">
        {name}
      </Typography.Title>

      <section className="lf-panel" aria-label={t('case.title')}>
        <dl className="lf-facts">
          <div>
            <dt>{t('case.caseNumber')}</dt>
            <dd>{item.business_key}</dd>
          </div>
          <div>
            <dt>{t('case.stage')}</dt>
            <dd>
              <span className={`lf-stage lf-stage-big lf-stage-${item.status}`} data-testid="case-stage">
                {pickLang(item.stage, lang) || t(`common:status.${item.status}`)}
              </span>
            </dd>
          </div>
          {item.status === 'running' && (
            <div>
              <dt>{t('case.deadline')}</dt>
              <dd>{item.next_deadline ? formatTime(item.next_deadline) : t('case.noDeadline')}</dd>
            </div>
          )}
          <div>
            <dt>{t('case.submittedAt')}</dt>
            <dd>{formatTime(item.created_at)}</dd>
          </div>
          {org && (
            <div>
              <dt>{t('case.organisation')}</dt>
              <dd>{org}</dd>
            </div>
          )}
        </dl>
      </section>

      {item.end_reason && (item.status === 'cancelled' || item.status === 'withdrawn') && (
        <Alert
          type="info"
          showIcon
          role="status"
          data-testid="end-reason"
          style={{ marginBottom: 12 }}
          title={t(item.status === 'cancelled' ? 'case.cancelledBecause' : 'case.withdrawnBecause', { reason: item.end_reason })}
        />
      )}
      {item.status === 'suspended' && item.suspension && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('case.suspendedBecause', { reason: item.suspension.reason })} />
      )}

      {(item.told_applicant ?? []).length > 0 && (
        <section className="lf-panel" aria-labelledby="lf-told">
          <h2 id="lf-told" className="lf-h2" style={{ marginTop: 0 }}>
            {t('case.told')}
          </h2>
          <dl className="lf-told">
            {(item.told_applicant ?? []).map((notice) => (
              <div key={notice.key} data-testid={`told-${notice.key}`}>
                <dt>{pickLang(notice.title, lang)}</dt>
                <dd style={{ whiteSpace: 'pre-wrap', margin: '4px 0 12px' }}>{notice.text}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}

      {done && <Alert type="success" showIcon role="status" title={t('case.taskDone')} style={{ marginBottom: 12 }} />}
      {open.map((task) => (
        <TaskPanel key={task.id} task={task} instance={item} lang={lang} onDone={() => setDone(true)} />
      ))}

      <section className="lf-panel" aria-labelledby="lf-timeline">
        <h2 id="lf-timeline" className="lf-h2" style={{ marginTop: 0 }}>
          {t('case.timeline')}
        </h2>
        <ol className="lf-timeline">
          {timeline.map((entry, index) => (
            <li key={index} className={entry.kind === 'stage' && entry.current ? 'lf-now' : undefined}>
              <span className="lf-timeline-text">{timelineText(entry, t, lang)}</span>
              <span className="lf-timeline-time">{formatTime(entry.at)}</span>
            </li>
          ))}
        </ol>
      </section>

      <section className="lf-panel" aria-labelledby="lf-documents">
        <h2 id="lf-documents" className="lf-h2" style={{ marginTop: 0 }}>
          {t('case.documents')}
        </h2>
        <h3 className="lf-h3">{t('case.notices')}</h3>
        {notices.data && notices.data.length === 0 && <p className="lf-muted">{t('case.noNotices')}</p>}
        {notices.error && <p className="lf-muted">{t('loadFailed')}</p>}
        <ul className="lf-files">
          {(notices.data ?? []).map((notice) => (
            <li key={notice.id}>
              <a href={`/api/v1/documents/${notice.id}/pdf`} aria-label={t('case.downloadNotice', { title: pickLang(notice.title, lang) })} download>
                <FilePdfOutlined aria-hidden /> <span className="lf-file-name">{pickLang(notice.title, lang)}</span>
                <DownloadOutlined aria-hidden className="lf-file-action" />
              </a>
              <span className="lf-muted">{formatTime(notice.created_at)}</span>
            </li>
          ))}
        </ul>
        <h3 className="lf-h3">{t('case.uploads')}</h3>
        {files.data && files.data.length === 0 && <p className="lf-muted">{t('case.noUploads')}</p>}
        <ul className="lf-files">
          {(files.data ?? []).map((file) => (
            <li key={file.id}>
              <a href={`/api/v1/attachments/${file.id}`}>
                <PaperClipOutlined aria-hidden /> <span className="lf-file-name">{file.name}</span>
                <DownloadOutlined aria-hidden className="lf-file-action" />
              </a>
              <span className="lf-muted">
                {formatSize(file.size)} · {formatTime(file.uploaded_at)}
              </span>
            </li>
          ))}
        </ul>
      </section>

      {(item.status === 'completed' || item.rating) && <RatingPanel instance={item} />}
      {(item.actions ?? []).includes('withdraw') && <WithdrawPanel instance={item} />}

      <section className="lf-panel" aria-labelledby="lf-complain">
        <h2 id="lf-complain" className="lf-h2" style={{ marginTop: 0 }}>
          {t('case.complain')}
        </h2>
        <p className="lf-muted">{t('case.complainHint')}</p>
        <Link className="lf-button-link" to={`/portal/apply/complaint?related_case=${encodeURIComponent(item.business_key)}`}>
          {t('case.complain')}
        </Link>
      </section>
    </div>
  )
}

function timelineText(entry: TimelineItem, t: (key: string, options?: Record<string, unknown>) => string, lang: Lang): string {
  switch (entry.kind) {
    case 'submitted':
      return t('case.event.submitted')
    case 'stage':
      return t('case.event.stage', { stage: pickLang(entry.stage, lang) })
    case 'notice':
      return t('case.event.notice', { title: pickLang(entry.title, lang) })
    case 'done':
      return t('case.event.youDid', { task: pickLang(entry.task, lang) })
  }
}

function TaskPanel({ task, instance, lang, onDone }: { task: Task; instance: InstanceDetail; lang: Lang; onDone: () => void }) {
  const { t } = useTranslation('portal')
  const client = useQueryClient()
  const { me } = useAuth()
  const services = useServices()
  const detail = useQuery({ queryKey: ['task', task.id], queryFn: () => api<TaskDetail>(`/tasks/${task.id}`) })
  const [serverErrors, setServerErrors] = useState<FieldErrors>({})
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  // After a first try, messages follow the answers as they change.
  const [tried, setTried] = useState(false)

  const schema = useMemo(() => (detail.data?.form_schema ? plainSchema(detail.data.form_schema as Json) : null), [detail.data])
  const form = useMemo(
    () => (schema ? asEnums({ ...schema, title: undefined, description: undefined }, (detail.data?.ui_schema ?? {}) as Json) : null),
    [schema, detail.data],
  )
  const startForm = services.data?.find((service) => service.key === instance.process)?.start_form
  const labels = useMemo(() => choiceLabels(detail.data?.form_schema, startForm), [detail.data, startForm])
  const caseData = detail.data?.data ?? instance.data
  const missing = missingList(caseData?.missing_materials, labels, lang)
  const initial = useMemo(() => {
    const keys = Object.keys((schema?.properties as Json) ?? {})
    const out: Json = {}
    for (const key of keys) if (detail.data?.data?.[key] !== undefined && detail.data.data[key] !== null) out[key] = detail.data.data[key]
    return out
  }, [schema, detail.data])

  async function complete(values: Json) {
    setBusy(true)
    setProblem(null)
    setServerErrors({})
    try {
      if (!task.assignee || task.assignee.id !== me?.id) {
        await api(`/tasks/${task.id}/claim`, { method: 'POST' })
      }
      await api(`/tasks/${task.id}/complete`, { json: { data: JSON.parse(JSON.stringify(values)) } })
      onDone()
      await Promise.all([
        client.invalidateQueries({ queryKey: ['instance', String(instance.id)] }),
        client.invalidateQueries({ queryKey: ['tasks'] }),
        client.invalidateQueries({ queryKey: ['instances'] }),
        client.invalidateQueries({ queryKey: ['documents', String(instance.id)] }),
        client.invalidateQueries({ queryKey: ['case-files', String(instance.id)] }),
      ])
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 409) setProblem(t('case.taken'))
      else if (exc instanceof ApiError && Object.keys(exc.fieldErrors).length) {
        setServerErrors(
          Object.fromEntries(Object.entries(exc.fieldErrors).map(([path, messages]) => [path, messages.map((m) => pickLang(m, lang))])),
        )
        setProblem(pickLang(exc.message, lang))
      } else setProblem(exc instanceof ApiError ? pickLang(exc.message, lang) : t('common:error'))
    } finally {
      setBusy(false)
    }
  }

  const headingId = `lf-task-${task.id}`
  return (
    <section className="lf-panel lf-task" aria-labelledby={headingId}>
      <p className="lf-action" style={{ margin: '0 0 8px' }}>
        <ExclamationCircleFilled aria-hidden /> {t('case.actionNeeded')}
      </p>
      <h2 id={headingId} className="lf-h2" style={{ marginTop: 0 }}>
        {pickLang(task.name, lang)}
      </h2>
      {task.due_at && (
        <p>
          <strong>{t('case.dueBy', { time: formatTime(task.due_at) })}</strong>
          {typeof task.working_days_left === 'number' && (
            <span className="lf-muted">
              {' '}
              ({task.working_days_left < 0 ? t('case.overdue') : t('case.daysLeft', { count: task.working_days_left })})
            </span>
          )}
        </p>
      )}
      {missing.length > 0 && (
        <div className="lf-missing">
          <p style={{ fontWeight: 600, margin: '0 0 6px' }}>{t('case.missing')}</p>
          <ol aria-label={t('case.missing')}>
            {missing.map((entry, index) => (
              <li key={index}>
                <strong>{entry.label}</strong>
                {entry.detail && <div>{entry.detail}</div>}
              </li>
            ))}
          </ol>
        </div>
      )}
      {problem && <Alert type="error" role="alert" showIcon title={problem} style={{ marginBottom: 12 }} />}
      {detail.isLoading && <Loading />}
      {detail.error && <Alert type="error" role="alert" title={t('loadFailed')} description={detail.error.message} />}
      {form && (
        <div
          className="lf-apply-page"
          onClickCapture={(event) => {
            if ((event.target as HTMLElement).closest('button[type="submit"]')) setTried(true)
          }}
        >
          <Suspense fallback={<Loading />}>
            <SchemaForm
              schema={form.schema as never}
              uiSchema={form.uiSchema as never}
              formData={initial}
              onSubmit={(values) => void complete(values)}
              serverErrors={serverErrors}
              widgets={WIDGETS}
              disabled={busy}
              submitLabel={t('case.completeTask')}
              liveValidate={tried}
              idPrefix={`task-${task.id}`}
            />
          </Suspense>
        </div>
      )}
    </section>
  )
}

const SCORES = ['5', '4', '3', '2', '1'] as const

// antd's danger red is too light for WCAG AA on white (and white on it): a darker red.
const WITHDRAW_STYLE = {
  open: { color: '#a8071a', borderColor: '#a8071a' },
  confirm: { background: '#a8071a', borderColor: '#a8071a' },
}

/** 撤回申请: the applicant withdraws their case, while the process allows it, giving the reason. */
function WithdrawPanel({ instance }: { instance: InstanceDetail }) {
  const { t } = useTranslation('portal')
  const client = useQueryClient()
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const lang: Lang = currentLang()

  async function send() {
    if (!reason.trim()) {
      setProblem(t('case.withdrawReasonNeeded'))
      return
    }
    setBusy(true)
    setProblem(null)
    try {
      await api(`/instances/${instance.id}/withdraw`, { json: { reason } })
      await client.invalidateQueries({ queryKey: ['instance', String(instance.id)] })
      await client.invalidateQueries({ queryKey: ['tasks', 'case', String(instance.id)] })
    } catch (exc) {
      setProblem(exc instanceof ApiError ? pickLang(exc.fieldErrors.reason?.[0] ?? exc.message, lang) : t('common:error'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="lf-panel" aria-labelledby="lf-withdraw">
      <h2 id="lf-withdraw" className="lf-h2" style={{ marginTop: 0 }}>
        {t('case.withdraw')}
      </h2>
      <p className="lf-muted">{t('case.withdrawHint')}</p>
      {open ? (
        <>
          <label htmlFor="lf-withdraw-reason">{t('case.withdrawReason')}</label>
          <Input.TextArea id="lf-withdraw-reason" rows={3} maxLength={2000} value={reason} onChange={(event) => setReason(event.target.value)} />
          {problem && <Alert type="error" showIcon title={problem} style={{ margin: '8px 0' }} />}
          <div style={{ display: 'flex', gap: 8, marginTop: 8 }}>
            <Button type="primary" onClick={() => void send()} loading={busy} style={WITHDRAW_STYLE.confirm}>
              {t('case.withdrawConfirm')}
            </Button>
            <Button onClick={() => setOpen(false)}>{t('common:cancel')}</Button>
          </div>
        </>
      ) : (
        <Button onClick={() => setOpen(true)} style={WITHDRAW_STYLE.open}>
          {t('case.withdraw')}
        </Button>
      )}
    </section>
  )
}

function RatingPanel({ instance }: { instance: InstanceDetail }) {
  const { t } = useTranslation('portal')
  const client = useQueryClient()
  const [score, setScore] = useState<string | null>(null)
  const [comment, setComment] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const lang: Lang = currentLang()
  const rating = instance.rating

  async function send() {
    if (!score) {
      setProblem(t('case.chooseScore'))
      return
    }
    setBusy(true)
    setProblem(null)
    try {
      await api(`/instances/${instance.id}/rating`, { json: { score: Number(score), comment } })
    } catch (exc) {
      if (!(exc instanceof ApiError && exc.status === 409)) {
        setProblem(exc instanceof ApiError ? pickLang(exc.fieldErrors.score?.[0] ?? exc.message, lang) : t('common:error'))
        setBusy(false)
        return
      }
    }
    await client.invalidateQueries({ queryKey: ['instance', String(instance.id)] })
    setBusy(false)
  }

  return (
    <section className="lf-panel" aria-labelledby="lf-rating">
      <h2 id="lf-rating" className="lf-h2" style={{ marginTop: 0 }}>
        {t('case.rating')}
      </h2>
      {rating ? (
        <div role="status">
          <p style={{ fontSize: 18, margin: '0 0 4px' }}>
            <span aria-hidden style={{ color: '#ad6800', letterSpacing: 2 }}>
              {'★'.repeat(rating.score)}
              {'☆'.repeat(5 - rating.score)}
            </span>{' '}
            {t('case.rated', { label: t(`case.scores.${rating.score}`) })}
          </p>
          {rating.comment && <p className="lf-muted">{rating.comment}</p>}
          <p className="lf-muted">{t('case.thanks')}</p>
        </div>
      ) : (
        <>
          <p>{t('case.ratePrompt')}</p>
          {problem && <Alert type="error" role="alert" title={problem} style={{ marginBottom: 12 }} />}
          <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="lf-h3">{t('case.score')}</legend>
            <Radio.Group
              value={score}
              onChange={(event) => setScore(event.target.value as string)}
              className="lf-score"
              options={SCORES.map((value) => ({
                value,
                label: `${'★'.repeat(Number(value))} ${t(`case.scores.${value}`)}`,
              }))}
            />
          </fieldset>
          <label htmlFor="lf-rating-comment" className="lf-h3" style={{ display: 'block' }}>
            {t('case.comment')}
          </label>
          <Input.TextArea id="lf-rating-comment" rows={3} maxLength={2000} value={comment} onChange={(event) => setComment(event.target.value)} />
          <Button type="primary" size="large" block loading={busy} onClick={() => void send()} style={{ marginTop: 12 }}>
            {t('case.sendRating')}
          </Button>
        </>
      )}
    </section>
  )
}
