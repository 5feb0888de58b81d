/**
 * Applying for a service, one step at a time. Every change is saved as a draft on the server
 * (a moment after typing stops, and at once on each step), so the applicant can close the phone
 * and carry on later; each step is checked before "Next"; the last step shows every answer for
 * a check before submitting. Submitting starts the case and opens its page.
 */
import { ArrowLeftOutlined, CheckCircleOutlined, CloudSyncOutlined, EditOutlined, WarningOutlined } from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Result, Steps, Typography } from 'antd'
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom'

import { api, ApiError, type FieldErrors } from '../app/api'
import { Loading } from '../app/App'
import { useAuth } from '../app/auth'
import { currentLang, type Lang } from '../app/i18n'
import type { InstanceDetail, Me } from '../app/types'
import AttachmentsWidget from '../shared/AttachmentsWidget'
import { pickLang } from '../shared/bilingual'
import { declaredData } from '../shared/declared'
import { deleteDraft, hasAnswers, loadDraft, resumeFrom, saveDraft, type Draft } from './draft'
import { formatTime, homeOrganisation, serviceName } from './format'
import './i18n'
import { OrganisationSelect, useOrganisations } from './OrganisationSelect'
import './portal.css'
import type { Service } from './ServicesPage'
import {
  asEnums,
  deriveAnswers,
  mergeStep,
  pick,
  plainSchema,
  portalHidden,
  splitSteps,
  startDefaults,
  stepOfField,
  stepSchema,
  stepUiSchema,
  summarise,
  type FormStep,
  type Json,
} from './steps'

const SchemaForm = lazy(() => import('../shared/SchemaForm'))
const loadValidation = () => import('./validate')
const WIDGETS = { attachments: AttachmentsWidget }
/** Fields a link may fill in: /portal/apply/complaint?related_case=<case number>. */
const FROM_LINK = ['related_case']
const SAVE_AFTER_MS = 1200

type SaveState = { state: 'idle' } | { state: 'saving' } | { state: 'saved'; at: string } | { state: 'failed' }

export default function ApplyPage() {
  const { key = '' } = useParams()
  const { t } = useTranslation('portal')
  const service = useQuery({
    queryKey: ['service', key],
    queryFn: () => api<Service>(`/services/${encodeURIComponent(key)}`),
    retry: false,
  })
  const draft = useQuery({ queryKey: ['draft', key], queryFn: () => loadDraft(key), gcTime: 0, staleTime: 0 })
  const { me } = useAuth()

  if (service.isLoading || draft.isLoading) return <Loading />
  if (service.error) {
    const missing = service.error instanceof ApiError && service.error.status === 404
    return (
      <Result
        status={missing ? '404' : 'error'}
        title={missing ? t('apply.notFound') : t('loadFailed')}
        subTitle={missing ? undefined : service.error.message}
        extra={<Link to="/portal/services">{t('services.title')}</Link>}
      />
    )
  }
  if (draft.error) return <Alert type="error" role="alert" title={t('loadFailed')} description={draft.error.message} />
  if (!service.data?.start_form) {
    return <Result status="info" title={t('apply.noForm')} extra={<Link to="/portal/services">{t('services.title')}</Link>} />
  }
  return <ApplyForm key={key} service={service.data} draft={draft.data ?? null} me={me} />
}

function ApplyForm({ service, draft, me }: { service: Service; draft: Draft | null; me: Me | null }) {
  const { t, i18n } = useTranslation('portal')
  const lang: Lang = i18n.language === 'en' ? 'en' : currentLang()
  const navigate = useNavigate()
  const client = useQueryClient()
  const { modal } = App.useApp()
  const [search] = useSearchParams()
  const organisations = useOrganisations()

  const schema = useMemo(() => plainSchema(service.start_form as Json), [service.start_form])
  const defaults = useMemo(() => startDefaults(schema, me), [schema, me])
  const uiSchema = useMemo(() => {
    const ui: Json = { ...(service.start_ui_form as Json) }
    for (const field of portalHidden(schema, defaults)) ui[field] = { ...(ui[field] as Json), 'ui:widget': 'hidden' }
    return ui
  }, [service.start_ui_form, schema, defaults])
  const steps = useMemo(() => splitSteps(schema, uiSchema), [schema, uiSchema])
  const overrides = useMemo(() => {
    const out: Json = {}
    const props = (schema.properties ?? {}) as Json
    for (const field of FROM_LINK) {
      const value = search.get(field)
      if (value && field in props) out[field] = value
    }
    return out
  }, [search, schema])
  const start = useMemo(() => resumeFrom(draft, steps.length, defaults, overrides), [draft, steps.length, defaults, overrides])

  const [data, setData] = useState<Json>(start.data)
  const [step, setStep] = useState(start.step)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [checked, setChecked] = useState<Set<number>>(new Set())
  const [saved, setSaved] = useState<SaveState>(draft ? { state: 'saved', at: draft.updated_at } : { state: 'idle' })
  const [organisation, setOrganisation] = useState<number | null>(homeOrganisation(me))
  const [submitting, setSubmitting] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const done = useRef(false)
  const timer = useRef<number | undefined>(undefined)
  const inflight = useRef<Promise<unknown>>(Promise.resolve())
  const latest = useRef({ data, step })
  latest.current = { data, step }
  const reviewing = step >= steps.length
  const name = serviceName(service.key, service.name, lang, t)

  const save = useCallback(async () => {
    window.clearTimeout(timer.current)
    if (done.current) return
    const { data: now, step: at } = latest.current
    if (!hasAnswers(now, defaults) && at === 0 && !draft) return
    setSaved({ state: 'saving' })
    try {
      const request = saveDraft(service.key, now, at)
      inflight.current = request.catch(() => undefined)
      const result = await request
      if (!done.current) setSaved({ state: 'saved', at: result.updated_at })
      void client.invalidateQueries({ queryKey: ['drafts'] })
    } catch {
      if (done.current) return
      setSaved({ state: 'failed' })
      timer.current = window.setTimeout(() => void save(), 5000)
    }
  }, [client, defaults, draft, service.key])

  // Typing: save a moment after it stops.
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    window.clearTimeout(timer.current)
    timer.current = window.setTimeout(() => void save(), SAVE_AFTER_MS)
  }, [data, save])
  useEffect(() => () => window.clearTimeout(timer.current), [])

  // Once "Next" has found problems on a step, its messages follow the answers as they change.
  useEffect(() => {
    if (reviewing || !checked.has(step)) return
    let stale = false
    void loadValidation().then(({ stepErrors }) => {
      if (!stale) setErrors(stepErrors(schema, data, steps[step].fields, lang))
    })
    return () => {
      stale = true
    }
  }, [data, step, checked, reviewing, schema, steps, lang])

  function goTo(next: number) {
    setStep(next)
    latest.current = { data, step: next }
    setProblem(null)
    void save()
    window.scrollTo({ top: 0 })
    window.setTimeout(() => heading.current?.focus(), 50)
  }

  async function onNext() {
    const { stepErrors } = await loadValidation()
    const found = stepErrors(schema, data, steps[step].fields, lang)
    setChecked((items) => new Set(items).add(step))
    setErrors(found)
    if (Object.keys(found).length) {
      setProblem(t('apply.fixErrors', { count: Object.keys(found).length }))
      window.setTimeout(() => {
        const field = document.querySelector<HTMLElement>('.lf-step-form .ant-form-item-has-error input, .lf-step-form .ant-form-item-has-error textarea, .lf-step-form .ant-form-item-has-error button')
        field?.focus()
      }, 50)
      return
    }
    setErrors({})
    goTo(step + 1)
  }

  async function onSubmit() {
    const { formErrors } = await loadValidation()
    const found = formErrors(schema, data, lang)
    const firstBad = Object.keys(found).map((path) => stepOfField(steps, path)).filter((index) => index >= 0)
    if (firstBad.length) {
      const target = Math.min(...firstBad)
      setChecked((items) => new Set(items).add(target))
      setErrors(found)
      goTo(target)
      setProblem(t('apply.fixErrors', { count: Object.keys(found).length }))
      return
    }
    setSubmitting(true)
    setProblem(null)
    window.clearTimeout(timer.current)
    // A draft save still on its way must not land after the case starts (and revive the draft).
    await inflight.current
    try {
      // Only the start form's fields: a draft kept from an older version of the form may hold more.
      const body = declaredData(schema, JSON.parse(JSON.stringify(data)) as Json)
      const instance = await api<InstanceDetail>('/instances', {
        json: { process: service.key, data: body, organisation },
      })
      done.current = true
      window.clearTimeout(timer.current)
      await Promise.all([
        client.invalidateQueries({ queryKey: ['instances'] }),
        client.invalidateQueries({ queryKey: ['drafts'] }),
        client.invalidateQueries({ queryKey: ['tasks'] }),
      ])
      navigate(`/portal/cases/${instance.id}`, { replace: true })
    } catch (exc) {
      setSubmitting(false)
      if (exc instanceof ApiError && Object.keys(exc.fieldErrors).length) {
        const dataErrors: FieldErrors = {}
        let target = -1
        for (const [path, messages] of Object.entries(exc.fieldErrors)) {
          const local = path.replace(/^data\.?/, '')
          dataErrors[local] = messages.map((message) => pickLang(message, lang))
          const index = stepOfField(steps, local)
          if (index >= 0 && (target < 0 || index < target)) target = index
        }
        setErrors(dataErrors)
        if (target >= 0) {
          goTo(target)
          setProblem(t('apply.serverErrors'))
          return
        }
        setProblem(Object.values(dataErrors).flat().join(' '))
      } else {
        setProblem(exc instanceof ApiError ? pickLang(exc.message, lang) : t('common:error'))
      }
    }
  }

  function onDiscard() {
    modal.confirm({
      title: t('apply.discardConfirm'),
      okText: t('common:confirm'),
      cancelText: t('common:cancel'),
      onOk: async () => {
        window.clearTimeout(timer.current)
        await deleteDraft(service.key).catch(() => undefined)
        setData({ ...defaults, ...overrides })
        setErrors({})
        setChecked(new Set())
        setStep(0)
        latest.current = { data: { ...defaults, ...overrides }, step: 0 }
        setSaved({ state: 'idle' })
        void client.invalidateQueries({ queryKey: ['drafts'] })
      },
    })
  }

  // "Go" on a phone keyboard (Enter in a one-line field) means "Next", not rjsf's own submit.
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const target = event.target as HTMLElement
    if (event.key === 'Enter' && target.tagName === 'INPUT' && !['checkbox', 'radio', 'file', 'submit'].includes((target as HTMLInputElement).type)) {
      event.preventDefault()
      event.stopPropagation()
      void onNext()
    }
  }

  const stepTitle = (item: FormStep) =>
    item.titles.length === 1 ? pickLang(item.titles[0], lang) : item.titles.map((title) => pickLang(title, lang)).join('、')
  const current = reviewing ? null : steps[step]
  const total = steps.length + 1

  return (
    <div className="lf-portal lf-apply-page">
      <Link to="/portal" className="lf-back">
        <ArrowLeftOutlined aria-hidden /> {t('case.back')}
      </Link>
      <Typography.Title level={1} className="lf-h1">
        {name}
      </Typography.Title>
      {overrides.related_case ? <p className="lf-muted">{t('apply.relatedCase', { key: String(overrides.related_case) })}</p> : null}

      <div className="lf-progress">
        <Steps
          current={step}
          size="small"
          type="dot"
          responsive={false}
          maxCount={7}
          aria-hidden
          items={[...steps.map((item) => ({ key: item.key })), { key: 'review' }]}
        />
        <div className="lf-progress-line">
          <span>{t('apply.stepOf', { n: step + 1, total })}</span>
          <SaveIndicator saved={saved} />
        </div>
      </div>

      {start.resumed && step === start.step && <Alert type="info" showIcon title={t('apply.resumed')} style={{ marginBottom: 12 }} />}

      <section className="lf-panel" aria-labelledby="lf-step-title">
        <h2 id="lf-step-title" ref={heading} tabIndex={-1} className="lf-h2" style={{ marginTop: 0 }}>
          {current ? stepTitle(current) : t('apply.review')}
        </h2>
        {problem && <Alert type="error" role="alert" showIcon title={problem} style={{ marginBottom: 12 }} />}

        {current ? (
          <div className="lf-step-form" onKeyDownCapture={onKeyDown}>
            <Suspense fallback={<Loading />}>
              <StepForm
                schema={schema}
                uiSchema={uiSchema}
                step={current}
                data={data}
                errors={errors}
                onChange={(stepData) => setData((prev) => deriveAnswers(schema, mergeStep(prev, stepData, current.fields)))}
              >
                <div className="lf-step-buttons">
                  <Button type="primary" size="large" block onClick={() => void onNext()}>
                    {t('apply.next')}
                  </Button>
                  {step > 0 && (
                    <Button size="large" block onClick={() => goTo(step - 1)}>
                      {t('apply.previous')}
                    </Button>
                  )}
                </div>
              </StepForm>
            </Suspense>
          </div>
        ) : (
          <Review
            schema={schema}
            uiSchema={uiSchema}
            steps={steps}
            data={data}
            lang={lang}
            onEdit={(index) => goTo(index)}
            stepTitle={stepTitle}
          />
        )}

        {reviewing && (
          <>
            <div style={{ margin: '16px 0' }}>
              <label htmlFor="apply-organisation" className="lf-h3" style={{ display: 'block' }}>
                {t('apply.organisation')}
              </label>
              <p id="apply-organisation-help" className="lf-muted">
                {t('apply.organisationHelp')}
              </p>
              {organisations.data ? (
                <OrganisationSelect
                  id="apply-organisation"
                  organisations={organisations.data}
                  value={organisation}
                  onChange={setOrganisation}
                  lang={lang}
                  describedBy="apply-organisation-help"
                />
              ) : (
                <p id="apply-organisation">{organisationName(me, lang)}</p>
              )}
            </div>
            <div className="lf-step-buttons">
              <Button type="primary" size="large" block loading={submitting} onClick={() => void onSubmit()}>
                {submitting ? t('apply.submitting') : t('apply.submit')}
              </Button>
              <Button size="large" block onClick={() => goTo(step - 1)} disabled={submitting}>
                {t('apply.previous')}
              </Button>
            </div>
          </>
        )}
      </section>
      {(draft || hasAnswers(data, { ...defaults, ...overrides })) && (
        <Button type="link" onClick={onDiscard} style={{ paddingLeft: 0, minHeight: 44 }}>
          {t('apply.discard')}
        </Button>
      )}
    </div>
  )
}

function organisationName(me: Me | null, lang: Lang): string {
  const org = me?.memberships.find((item) => item.role === 'applicant')?.organisation ?? me?.memberships[0]?.organisation
  if (!org) return '—'
  return lang === 'en' ? org.name_en || org.name : org.name
}

function SaveIndicator({ saved }: { saved: SaveState }) {
  const { t } = useTranslation('portal')
  let content = null
  if (saved.state === 'saving') content = (<><CloudSyncOutlined aria-hidden /> {t('apply.saving')}</>)
  if (saved.state === 'saved') content = (<><CheckCircleOutlined aria-hidden style={{ color: '#237804' }} /> {t('apply.savedAt', { time: formatTime(saved.at).slice(11) })}</>)
  if (saved.state === 'failed') content = (<><WarningOutlined aria-hidden style={{ color: '#ad4e00' }} /> {t('apply.saveFailed')}</>)
  return (
    <span role="status" aria-live="polite" className="lf-saved" data-testid="save-state" data-state={saved.state}>
      {content}
    </span>
  )
}

interface StepFormProps {
  schema: Json
  uiSchema: Json
  step: FormStep
  data: Json
  errors: FieldErrors
  onChange: (stepData: Json) => void
  children: ReactNode
}

function StepForm({ schema, uiSchema, step, data, errors, onChange, children }: StepFormProps) {
  const { schema: part, uiSchema: ui } = useMemo(
    () => asEnums(stepSchema(schema, step), stepUiSchema(schema, uiSchema, step)),
    [schema, uiSchema, step],
  )
  const values = pick(data, step.fields)
  const shown = useMemo(() => {
    const out: FieldErrors = {}
    for (const [path, messages] of Object.entries(errors)) if (step.fields.includes(path.split('.')[0])) out[path] = messages
    return out
  }, [errors, step.fields])
  return (
    <SchemaForm
      key={step.key}
      schema={part as never}
      uiSchema={ui as never}
      formData={values}
      onChange={onChange}
      serverErrors={shown}
      widgets={WIDGETS}
      idPrefix={`apply-${step.key}`}
    >
      {children}
    </SchemaForm>
  )
}

interface ReviewProps {
  schema: Json
  uiSchema: Json
  steps: FormStep[]
  data: Json
  lang: Lang
  onEdit: (index: number) => void
  stepTitle: (step: FormStep) => string
}

function Review({ schema, uiSchema, steps, data, lang, onEdit, stepTitle }: ReviewProps) {
  const { t } = useTranslation('portal')
  const mine = useQuery({
    queryKey: ['attachments', 'mine'],
    queryFn: () => api<{ id: string; name: string }[]>('/attachments'),
    staleTime: 10_000,
  })
  const names = new Map((mine.data ?? []).map((item) => [item.id, item.name]))
  const words = {
    yes: t('apply.yes'),
    no: t('apply.no'),
    empty: t('apply.empty'),
    files: (count: number) => t('apply.files', { count }),
    fileName: (id: string) => names.get(id),
  }
  return (
    <div>
      <p>{t('apply.reviewIntro')}</p>
      {steps.map((item, index) => (
        <div key={item.key} className="lf-review-step">
          <dl className="lf-review">
            {summarise(schema, uiSchema, item, data, lang, words).map((row) => (
              <div key={row.field} className="lf-review-row">
                <dt>{row.label}</dt>
                <dd>
                  {row.value.length > 1 ? (
                    <ul>
                      {row.value.map((line, n) => (
                        <li key={n}>{line}</li>
                      ))}
                    </ul>
                  ) : (
                    row.value[0]
                  )}
                </dd>
              </div>
            ))}
          </dl>
          <Button
            icon={<EditOutlined />}
            onClick={() => onEdit(index)}
            aria-label={t('apply.editStep', { title: stepTitle(item) })}
            style={{ minHeight: 44 }}
          >
            {t('apply.edit')}
          </Button>
        </div>
      ))}
    </div>
  )
}
