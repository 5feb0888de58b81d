/**
 * The applicant's first page after logging in: their cases (with what needs them now), the
 * applications they have not finished, and the way to apply. Kept light on purpose (plain HTML,
 * Button, Tag, Typography, Alert: no Card, List or Table) — it must load fast on a phone.
 */
import { ExclamationCircleFilled, FileTextOutlined, PlusOutlined, RightOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router-dom'

import { api } from '../app/api'
import { useAuth } from '../app/auth'
import { currentLang } from '../app/i18n'
import type { Instance, Page, Task } from '../app/types'
import { pickLang } from '../shared/bilingual'
import type { Draft } from './draft'
import { formatTime, named, serviceName } from './format'
import './i18n-home'
import './portal.css'

export function useMyCases() {
  return useQuery({
    queryKey: ['instances', 'mine'],
    queryFn: () => api<Page<Instance>>('/instances', { query: { page_size: 100 } }),
  })
}

export function useMyTasks() {
  return useQuery({
    queryKey: ['tasks', 'mine'],
    queryFn: () => api<Page<Task>>('/tasks', { query: { status: 'open' } }),
  })
}

export function useMyDrafts() {
  return useQuery({ queryKey: ['drafts'], queryFn: () => api<Draft[]>('/drafts') })
}

function byRecent(a: Instance, b: Instance): number {
  if ((a.status === 'running') !== (b.status === 'running')) return a.status === 'running' ? -1 : 1
  return Date.parse(b.updated_at) - Date.parse(a.updated_at)
}

export default function HomePage() {
  const { t, i18n } = useTranslation('portal')
  const lang = i18n.language === 'en' ? 'en' : currentLang()
  const { me } = useAuth()
  const navigate = useNavigate()
  const cases = useMyCases()
  const tasks = useMyTasks()
  const drafts = useMyDrafts()

  const waiting = new Map<number, Task[]>()
  for (const task of tasks.data?.results ?? []) waiting.set(task.instance, [...(waiting.get(task.instance) ?? []), task])
  const list = [...(cases.data?.results ?? [])].sort((a, b) => {
    const need = Number(waiting.has(b.id)) - Number(waiting.has(a.id))
    return need || byRecent(a, b)
  })
  const draftList = drafts.data ?? []
  const loading = cases.isLoading || drafts.isLoading

  const applyButton = (
    <Link to="/portal/services" className="lf-apply">
      <PlusOutlined aria-hidden style={{ fontSize: 24 }} />
      <span>
        <span className="lf-apply-title">{t('home.apply')}</span>
        <span className="lf-apply-hint">{t('home.applyHint')}</span>
      </span>
    </Link>
  )

  return (
    <div className="lf-portal">
      <Typography.Title level={1} className="lf-h1">
        {t('home.title')}
      </Typography.Title>
      {me && <p className="lf-muted">{t('home.greeting', { name: me.display_name })}</p>}
      {(cases.error || drafts.error) && (
        <Alert type="error" role="alert" title={t('loadFailed')} description={(cases.error ?? drafts.error)?.message} />
      )}
      {loading && (
        <p role="status" aria-live="polite" className="lf-muted">
          {t('common:loading')}
        </p>
      )}
      {!loading && list.length === 0 && applyButton}

      {list.length > 0 && (
        <section aria-labelledby="lf-my-cases">
          <h2 id="lf-my-cases" className="lf-h2">
            {t('home.myCases')}
          </h2>
          <ul className="lf-cards" aria-label={t('home.caseList')}>
            {list.map((item) => {
              const open = waiting.get(item.id) ?? []
              return (
                <li key={item.id}>
                  <Link
                    to={`/portal/cases/${item.id}`}
                    className={`lf-card lf-case${open.length ? ' lf-case-action' : ''}`}
                  >
                    {open.length > 0 && (
                      <span className="lf-action">
                        <ExclamationCircleFilled aria-hidden />{' '}
                        {t('home.actionNeededTask', { tasks: open.map((task) => pickLang(task.name, lang)).join(lang === 'en' ? ', ' : '、') })}
                      </span>
                    )}
                    <span className="lf-case-title">
                      <FileTextOutlined aria-hidden /> {serviceName(item.process, item.process_name, lang, t, 'case')}
                    </span>
                    <span className="lf-row">
                      <span className="lf-label">{t('home.caseNumber')}</span> {item.business_key}
                    </span>
                    <span className="lf-row">
                      <span className="lf-label">{t('home.stage')}</span>{' '}
                      <span className={`lf-stage lf-stage-${item.status}`}>
                        {pickLang(item.stage, lang) || t(`common:status.${item.status}`)}
                      </span>
                    </span>
                    {item.next_deadline && item.status === 'running' && (
                      <span className="lf-row">
                        <span className="lf-label">{t('home.deadline')}</span> {formatTime(item.next_deadline)}
                      </span>
                    )}
                    <RightOutlined aria-hidden className="lf-chevron" />
                  </Link>
                </li>
              )
            })}
          </ul>
        </section>
      )}

      {draftList.length > 0 && (
        <section aria-labelledby="lf-drafts">
          <h2 id="lf-drafts" className="lf-h2">
            {t('home.drafts')}
          </h2>
          <ul className="lf-cards">
            {draftList.map((draft) => (
              <li key={draft.process} className="lf-card lf-draft">
                <span className="lf-case-title">{serviceName(draft.process, undefined, lang, t)}</span>
                <span className="lf-muted">{t('home.draftSaved', { time: formatTime(draft.updated_at) })}</span>
                <Button
                  type="primary"
                  size="large"
                  block
                  aria-label={named(t('home.resume'), serviceName(draft.process, undefined, lang, t), lang)}
                  onClick={() => navigate(`/portal/apply/${encodeURIComponent(draft.process)}`)}
                >
                  {t('home.resume')}
                </Button>
              </li>
            ))}
          </ul>
        </section>
      )}

      {!loading && list.length > 0 && applyButton}
    </div>
  )
}
