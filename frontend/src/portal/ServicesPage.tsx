/** The services an applicant may apply for, each with its plain-language guide. */
import { ArrowLeftOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Alert, Button, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router-dom'

import { api } from '../app/api'
import { currentLang } from '../app/i18n'
import { formatTime, named, serviceName } from './format'
import { useMyDrafts } from './HomePage'
import './i18n'
import './portal.css'

export interface GuideText {
  summary: string
  who: string
  bring: string[]
  time: string
  fee: string
}

export interface Service {
  key: string
  name: string
  version: number
  guide: { zh: GuideText | null; en: GuideText | null } | null
  start_form: Record<string, unknown> | null
  start_ui_form: Record<string, unknown> | null
}

export function useServices() {
  return useQuery({ queryKey: ['services'], queryFn: () => api<Service[]>('/services'), staleTime: 300_000 })
}

/** The order people look for them in: legal aid first, complaints last. */
const ORDER = ['legal_aid_application', 'notary_intake', 'mediation', 'legal_consultation', 'complaint']

export default function ServicesPage() {
  const { t, i18n } = useTranslation('portal')
  const lang = i18n.language === 'en' ? 'en' : currentLang()
  const navigate = useNavigate()
  const services = useServices()
  const drafts = useMyDrafts()
  const draftOf = new Map((drafts.data ?? []).map((draft) => [draft.process, draft]))
  const list = [...(services.data ?? [])].sort((a, b) => {
    const rank = (key: string) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length)
    return rank(a.key) - rank(b.key)
  })

  return (
    <div className="lf-portal">
      <Link to="/portal" className="lf-back">
        <ArrowLeftOutlined aria-hidden /> {t('case.back')}
      </Link>
      <Typography.Title level={1} className="lf-h1">
        {t('services.title')}
      </Typography.Title>
      <p className="lf-muted">{t('services.intro')}</p>
      {services.isLoading && (
        <p role="status" className="lf-muted">
          {t('common:loading')}
        </p>
      )}
      {services.error && <Alert type="error" role="alert" title={t('loadFailed')} description={services.error.message} />}
      {services.data && list.length === 0 && <Alert type="info" title={t('services.none')} />}
      <ul className="lf-cards">
        {list.map((service) => {
          const guide = service.guide?.[lang] ?? service.guide?.zh ?? service.guide?.en ?? null
          const draft = draftOf.get(service.key)
          const name = serviceName(service.key, service.name, lang, t)
          const headingId = `lf-service-${service.key}`
          return (
            <li key={service.key} className="lf-card lf-draft" aria-labelledby={headingId}>
              <h2 id={headingId} className="lf-h2" style={{ margin: 0 }}>
                {name}
              </h2>
              {guide?.summary && <p style={{ margin: 0 }}>{guide.summary}</p>}
              {guide && (
                <details className="lf-guide">
                  <summary>{t('services.more')}</summary>
                  {guide.who && (
                    <>
                      <h3 className="lf-h3">{t('services.who')}</h3>
                      <p>{guide.who}</p>
                    </>
                  )}
                  {guide.bring.length > 0 && (
                    <>
                      <h3 className="lf-h3">{t('services.bring')}</h3>
                      <ul>
                        {guide.bring.map((item) => (
                          <li key={item}>{item}</li>
                        ))}
                      </ul>
                    </>
                  )}
                  {guide.time && (
                    <>
                      <h3 className="lf-h3">{t('services.time')}</h3>
                      <p>{guide.time}</p>
                    </>
                  )}
                </details>
              )}
              {guide?.fee && (
                <p style={{ margin: 0 }}>
                  <span className="lf-label">{t('services.fee')}</span>
                  {guide.fee}
                </p>
              )}
              {draft && <span className="lf-muted">{t('home.draftSaved', { time: formatTime(draft.updated_at) })}</span>}
              <Button
                type="primary"
                size="large"
                block
                aria-label={named(draft ? t('services.continue') : t('services.start'), name, lang)}
                onClick={() => navigate(`/portal/apply/${encodeURIComponent(service.key)}`)}
              >
                {draft ? t('services.continue') : t('services.start')}
              </Button>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
