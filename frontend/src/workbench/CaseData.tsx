/** A case's data as labelled key/value pairs, with the form titles in the reader's language. */
import { PaperClipOutlined } from '@ant-design/icons'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'

import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import type { CaseLabels, FieldInfo } from './caseLabels'
import { formatBytes, formatDateTime, isIsoDateTime } from './format'
import { NS } from './i18n'
import { useLang } from './parts'
import type { Attachment } from './types'

interface Context {
  lang: Lang
  yes: string
  no: string
  empty: string
  item: (n: number) => string
  attachments: Map<string, Attachment>
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
}

function AttachmentLink({ attachment }: { attachment: Attachment }) {
  return (
    <a href={attachment.download_url ?? `/api/v1/attachments/${attachment.id}`} download={attachment.name} className="wb-file">
      <PaperClipOutlined aria-hidden /> {attachment.name} <span className="wb-muted wb-small">({formatBytes(attachment.size)})</span>
    </a>
  )
}

function renderValue(value: unknown, info: FieldInfo | undefined, ctx: Context): ReactNode {
  if (isEmpty(value)) return <span className="wb-muted">{ctx.empty}</span>
  if (typeof value === 'boolean') return value ? ctx.yes : ctx.no
  if (typeof value === 'number') return value.toLocaleString(ctx.lang === 'zh' ? 'zh-CN' : 'en')
  if (typeof value === 'string') {
    const option = info?.options?.[value]
    if (option) return pickLang(option, ctx.lang)
    if (isIsoDateTime(value)) return formatDateTime(value)
    return <span className="wb-text">{value}</span>
  }
  if (Array.isArray(value)) {
    if (info?.attachments) {
      return (
        <ul className="wb-plain-list">
          {value.map((id) => {
            const attachment = ctx.attachments.get(String(id))
            return <li key={String(id)}>{attachment ? <AttachmentLink attachment={attachment} /> : <span className="wb-mono wb-small">{String(id)}</span>}</li>
          })}
        </ul>
      )
    }
    if (value.every((item) => item === null || typeof item !== 'object')) {
      return value.map((item) => (typeof item === 'string' && info?.items?.options?.[item] ? pickLang(info.items.options[item], ctx.lang) : String(item))).join(ctx.lang === 'zh' ? '、' : ', ')
    }
    return (
      <ol className="wb-items">
        {value.map((item, index) => (
          <li key={index} aria-label={ctx.item(index + 1)}>
            {renderValue(item, info?.items, ctx)}
          </li>
        ))}
      </ol>
    )
  }
  if (typeof value === 'object') return <Pairs data={value as Record<string, unknown>} fields={info?.properties ?? {}} ctx={ctx} />
  return String(value)
}

function Pairs({ data, fields, ctx, keys }: { data: Record<string, unknown>; fields: Record<string, FieldInfo>; ctx: Context; keys?: string[] }) {
  const order = keys ?? Object.keys(data)
  return (
    <dl className="wb-pairs">
      {order.map((key) => (
        <div key={key} className="wb-pair">
          <dt title={key}>{fields[key]?.title ? pickLang(fields[key].title, ctx.lang) : <span className="wb-mono">{key}</span>}</dt>
          <dd>{renderValue(data[key], fields[key], ctx)}</dd>
        </div>
      ))}
    </dl>
  )
}

export interface CaseDataProps {
  data: Record<string, unknown>
  labels: CaseLabels | null
  attachments?: Attachment[]
  /** Show only these keys (e.g. what a task submitted), with every label known. */
  only?: boolean
  headingLevel?: 2 | 3
}

/** Application fields first (start form order), then what handling added, then the rest folded away. */
export default function CaseData({ data, labels, attachments = [], only = false, headingLevel = 3 }: CaseDataProps) {
  const { t } = useTranslation(NS)
  const lang = useLang()
  const ctx: Context = {
    lang,
    yes: t('data.yes'),
    no: t('data.no'),
    empty: t('data.empty'),
    item: (n) => t('data.item', { n }),
    attachments: new Map(attachments.map((attachment) => [attachment.id, attachment])),
  }
  const start = labels?.start ?? {}
  const other = labels?.other ?? {}
  const all = { ...other, ...start }
  if (only) return <Pairs data={data} fields={all} ctx={ctx} />

  const present = (key: string) => key in data
  const application = (labels?.startOrder ?? []).filter(present)
  // Fields of later steps not filled in yet are left out rather than shown as a list of dashes.
  const handling = Object.keys(data).filter((key) => key in other && !(key in start) && !isEmpty(data[key]))
  const rest = Object.keys(data).filter((key) => !(key in start) && !(key in other) && !isEmpty(data[key]))
  const Heading = `h${headingLevel}` as 'h3'
  if (!Object.keys(data).length) return <p className="wb-muted">{t('data.none')}</p>
  return (
    <div className="wb-case-data">
      {application.length > 0 && (
        <section>
          <Heading className="wb-section-heading">{t('data.application')}</Heading>
          <Pairs data={data} fields={start} ctx={ctx} keys={application} />
        </section>
      )}
      {handling.length > 0 && (
        <section>
          <Heading className="wb-section-heading">{t('data.handling')}</Heading>
          <Pairs data={data} fields={other} ctx={ctx} keys={handling} />
        </section>
      )}
      {rest.length > 0 && (
        <details className="wb-details">
          <summary>
            {t('data.other')} ({rest.length})
          </summary>
          <Pairs data={data} fields={{}} ctx={ctx} keys={rest} />
        </details>
      )}
    </div>
  )
}

export function AttachmentList({ attachments }: { attachments: Attachment[] }) {
  const { t } = useTranslation(NS)
  if (!attachments.length) return <p className="wb-muted wb-small">{t('noAttachments')}</p>
  return (
    <ul className="wb-plain-list">
      {attachments.map((attachment) => (
        <li key={attachment.id}>
          <AttachmentLink attachment={attachment} /> <span className="wb-muted wb-small">{formatDateTime(attachment.uploaded_at)}</span>
        </li>
      ))}
    </ul>
  )
}
