/**
 * The opinion box (审批意见) of a task: the opinions given so far, the colleagues asked for one
 * (加签) and whether they answered, and a box for one's own — sent alone, or with the completion.
 */
import { App, Button, Input, List, Tag } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'

import { api, ApiError } from '../app/api'
import { useAuth } from '../app/auth'
import type { TaskDetail } from '../app/types'
import { pickLang } from '../shared/bilingual'
import { formatDateTime } from './format'
import { NS } from './i18n'
import { useLang } from './parts'

export interface OpinionPanelProps {
  task: TaskDetail
  value: string
  onChange: (value: string) => void
  /** the task can be completed now: the box's text goes in with the completion */
  withCompletion: boolean
  onPosted: () => void
}

export default function OpinionPanel({ task, value, onChange, withCompletion, onPosted }: OpinionPanelProps) {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const { me } = useAuth()
  const { message } = App.useApp()
  const [posting, setPosting] = useState(false)
  const comments = task.comments ?? []
  const consultations = task.consultations ?? []
  const askedMe = consultations.find((row) => row.status === 'open' && row.consultant.id === me?.id)
  const canComment = (task.actions ?? []).includes('comment') || Boolean(askedMe)

  async function post() {
    if (!value.trim()) return
    setPosting(true)
    try {
      await api(`/tasks/${task.id}/comments`, { json: { text: value } })
      onChange('')
      message.success(t('opinions.posted'))
      onPosted()
    } catch (error) {
      message.error(error instanceof ApiError ? pickLang(error.message, lang) : tc('error'))
    } finally {
      setPosting(false)
    }
  }

  if (!canComment && !comments.length && !consultations.length && !task.opinion_required) return null
  return (
    <section className="wb-opinions" aria-labelledby="wb-opinions-heading">
      <h3 id="wb-opinions-heading" className="wb-section-heading">
        {t('opinions.title')}
      </h3>
      {askedMe && <p className="wb-asked">{t('opinions.askedYou', { name: askedMe.asked_by.display_name, question: askedMe.question })}</p>}
      {comments.length ? (
        <List
          size="small"
          dataSource={comments}
          renderItem={(comment) => (
            <List.Item key={comment.id} data-testid="opinion">
              <div>
                <div className="wb-small">
                  <strong>{comment.author.display_name}</strong> <Tag>{t(`opinions.kind.${comment.kind}`)}</Tag>
                  <span className="wb-muted">{formatDateTime(comment.created_at)}</span>
                </div>
                <div className="wb-pre">{comment.text}</div>
              </div>
            </List.Item>
          )}
        />
      ) : (
        <p className="wb-muted wb-small">{t('opinions.none')}</p>
      )}
      {consultations.length > 0 && (
        <>
          <h4 className="wb-small wb-strong">{t('opinions.consultations')}</h4>
          <ul className="wb-plain-list">
            {consultations.map((row) => (
              <li key={row.id} className="wb-small">
                {row.consultant.display_name} · <Tag>{t(`opinions.${row.status === 'open' ? 'waiting' : row.status}`)}</Tag> {row.question}
              </li>
            ))}
          </ul>
        </>
      )}
      {canComment && (
        <div className="wb-opinion-box">
          <label htmlFor={`wb-opinion-${task.id}`} className="wb-small">
            {task.opinion_required ? <span className="wb-required">{t('opinions.required')}</span> : withCompletion ? t('opinions.withComplete') : t('opinions.placeholder')}
          </label>
          <Input.TextArea
            id={`wb-opinion-${task.id}`}
            rows={3}
            maxLength={4000}
            value={value}
            onChange={(event) => onChange(event.target.value)}
            placeholder={t('opinions.placeholder')}
          />
          <Button size="small" onClick={() => void post()} loading={posting} disabled={!value.trim()}>
            {t('opinions.add')}
          </Button>
        </div>
      )}
    </section>
  )
}
