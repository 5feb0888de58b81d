/**
 * The `attachments` widget of SchemaForm: an upload field whose value is the list of attachment
 * ids (`{"type": "array", "items": {"type": "string", "format": "uuid"}}` with
 * `"ui:widget": "attachments"`).
 *
 * Files are checked in the browser before they go anywhere (PDF, JPG, PNG, DOC or DOCX; at most
 * 10 MiB; the server checks the content again), uploaded one request each with a progress bar
 * (`upload()` in app/api.ts), and listed with a remove button. Register it with
 * `<SchemaForm widgets={{ attachments: AttachmentsWidget }} />`.
 */
import { DeleteOutlined, PaperClipOutlined, UploadOutlined } from '@ant-design/icons'
import type { WidgetProps } from '@rjsf/utils'
import { useQuery } from '@tanstack/react-query'
import { Button, Progress } from 'antd'
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'

import { api, ApiError, upload } from '../app/api'
import { addResources } from '../app/i18n'

addResources('attachments', {
  zh: {
    add: '上传文件',
    addMore: '再上传一个文件',
    hint: '可上传 PDF、JPG、PNG、DOC、DOCX 文件，每个不超过 10 MB，可以用手机拍照后上传。',
    uploading: '正在上传 {{name}}',
    remove: '删除 {{name}}',
    badType: '“{{name}}”的格式不支持，请上传 PDF、JPG、PNG、DOC 或 DOCX 文件。',
    tooBig: '“{{name}}”超过 10 MB，请压缩后或分开上传。',
    empty: '“{{name}}”是空文件。',
    tooMany: '最多上传 {{count}} 个文件。',
    failed: '“{{name}}”上传失败：{{message}}',
    list: '已上传的文件',
    file: '文件 {{id}}',
  },
  en: {
    add: 'Upload a file',
    addMore: 'Upload another file',
    hint: 'PDF, JPG, PNG, DOC or DOCX, up to 10 MB each. You can take a photo with your phone.',
    uploading: 'Uploading {{name}}',
    remove: 'Remove {{name}}',
    badType: '“{{name}}” is not a supported type: upload a PDF, JPG, PNG, DOC or DOCX file.',
    tooBig: '“{{name}}” is larger than 10 MB: compress it or split it.',
    empty: '“{{name}}” is empty.',
    tooMany: 'At most {{count}} files.',
    failed: '“{{name}}” could not be uploaded: {{message}}',
    list: 'Uploaded files',
    file: 'File {{id}}',
  },
})

export const MAX_FILE_BYTES = 10 * 1024 * 1024
export const ALLOWED_EXTENSIONS = ['pdf', 'jpg', 'jpeg', 'png', 'doc', 'docx'] as const
const ALLOWED_TYPES = new Set([
  'application/pdf',
  'image/jpeg',
  'image/jpg',
  'image/pjpeg',
  'image/png',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  // Some phones and browsers say nothing useful about Office files; the extension decides.
  'application/octet-stream',
  '',
])
export const ACCEPT = [...ALLOWED_EXTENSIONS.map((ext) => `.${ext}`), ...[...ALLOWED_TYPES].filter((type) => type && type !== 'application/octet-stream')].join(',')

export type FileProblem = 'badType' | 'tooBig' | 'empty'

/** What is wrong with a file before it is uploaded, or null. */
export function checkFile(file: { name: string; size: number; type: string }): FileProblem | null {
  const ext = file.name.includes('.') ? file.name.slice(file.name.lastIndexOf('.') + 1).toLowerCase() : ''
  if (!(ALLOWED_EXTENSIONS as readonly string[]).includes(ext) || !ALLOWED_TYPES.has(file.type.toLowerCase())) return 'badType'
  if (file.size > MAX_FILE_BYTES) return 'tooBig'
  if (file.size === 0) return 'empty'
  return null
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

interface Attachment {
  id: string
  name: string
  size: number
  content_type?: string
  download_url?: string
}

interface InFlight {
  key: number
  name: string
  percent: number
}

const known = new Map<string, Attachment>()

export default function AttachmentsWidget(props: WidgetProps) {
  const { t } = useTranslation('attachments')
  const { id, disabled, readonly, schema, onChange } = props
  const value: string[] = Array.isArray(props.value) ? (props.value as string[]) : []
  const latest = useRef(value)
  latest.current = value
  const input = useRef<HTMLInputElement>(null)
  const [busy, setBusy] = useState<InFlight[]>([])
  const [problems, setProblems] = useState<string[]>([])
  const [, setNames] = useState(0)
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : 20
  const locked = Boolean(disabled || readonly)
  // The form's own description usually says what to upload and which files; else ours does.
  const hintId = schema.description ? `${id}__description` : `${id}-hint`

  // Names of ids uploaded before this page was opened (a resumed draft): the caller's uploads.
  const unknown = value.filter((item) => !known.has(item))
  const mine = useQuery({
    queryKey: ['attachments', 'mine'],
    queryFn: () => api<Attachment[]>('/attachments'),
    enabled: unknown.length > 0,
    staleTime: 60_000,
  })
  useEffect(() => {
    if (!mine.data) return
    for (const item of mine.data) known.set(item.id, item)
    setNames((n) => n + 1)
  }, [mine.data])

  async function send(file: File, key: number) {
    const form = new FormData()
    form.append('file', file)
    try {
      const saved = await upload<Attachment>('/attachments', form, (percent) =>
        setBusy((items) => items.map((item) => (item.key === key ? { ...item, percent } : item))),
      )
      known.set(saved.id, saved)
      const next = [...latest.current, saved.id]
      latest.current = next
      onChange(next)
    } catch (exc) {
      const message =
        exc instanceof ApiError ? (exc.fieldErrors.file?.[0] ?? exc.message) : String(exc)
      setProblems((items) => [...items, t('failed', { name: file.name, message })])
    } finally {
      setBusy((items) => items.filter((item) => item.key !== key))
    }
  }

  function choose(files: FileList | null) {
    if (!files) return
    const found: string[] = []
    let room = maxItems - latest.current.length - busy.length
    for (const file of Array.from(files)) {
      const problem = checkFile(file)
      if (problem) {
        found.push(t(problem, { name: file.name }))
        continue
      }
      if (room <= 0) {
        found.push(t('tooMany', { count: maxItems }))
        break
      }
      room -= 1
      const key = Date.now() + Math.random()
      setBusy((items) => [...items, { key, name: file.name, percent: 0 }])
      void send(file, key)
    }
    setProblems(found)
    if (input.current) input.current.value = ''
  }

  function remove(attachment: string) {
    const next = latest.current.filter((item) => item !== attachment)
    latest.current = next
    onChange(next.length ? next : undefined)
  }

  return (
    <div className="lf-attachments">
      <input
        ref={input}
        id={id}
        type="file"
        multiple
        accept={ACCEPT}
        disabled={locked}
        style={{ display: 'none' }}
        onChange={(event) => choose(event.target.files)}
        data-testid={`${id}-input`}
      />
      {value.length > 0 && (
        <ul aria-label={t('list')} style={{ listStyle: 'none', padding: 0, margin: '0 0 8px' }}>
          {value.map((item) => {
            const attachment = known.get(item)
            const name = attachment?.name ?? t('file', { id: item.slice(0, 8) })
            return (
              <li
                key={item}
                style={{
                  display: 'flex',
                  alignItems: 'center',
                  gap: 8,
                  minHeight: 48,
                  padding: '4px 8px',
                  border: '1px solid #d9d9d9',
                  borderRadius: 6,
                  marginBottom: 6,
                  background: '#fafafa',
                }}
              >
                <PaperClipOutlined aria-hidden />
                <a
                  href={`/api/v1/attachments/${item}`}
                  style={{ flex: 1, minWidth: 0, overflowWrap: 'anywhere' }}
                  target="_blank"
                  rel="noreferrer"
                >
                  {name}
                  {attachment ? <span style={{ color: 'rgba(0,0,0,.66)' }}> · {formatSize(attachment.size)}</span> : null}
                </a>
                {!locked && (
                  <Button
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={t('remove', { name })}
                    onClick={() => remove(item)}
                    style={{ minWidth: 44, minHeight: 44, color: '#a8071a' }}
                  />
                )}
              </li>
            )
          })}
        </ul>
      )}
      {busy.map((item) => (
        <div key={item.key} style={{ marginBottom: 8 }}>
          <div>{t('uploading', { name: item.name })}</div>
          <Progress percent={item.percent} aria-label={t('uploading', { name: item.name })} />
        </div>
      ))}
      {problems.length > 0 && (
        <div role="alert" style={{ color: '#a8071a', marginBottom: 8 }}>
          {problems.map((problem) => (
            <div key={problem}>{problem}</div>
          ))}
        </div>
      )}
      {!locked && value.length + busy.length < maxItems && (
        <Button
          icon={<UploadOutlined />}
          size="large"
          block
          onClick={() => input.current?.click()}
          aria-describedby={hintId}
        >
          {value.length ? t('addMore') : t('add')}
        </Button>
      )}
      {!locked && !schema.description && (
        <div id={`${id}-hint`} style={{ color: 'rgba(0,0,0,.66)', marginTop: 4, fontSize: 13 }}>
          {t('hint')}
        </div>
      )}
    </div>
  )
}
