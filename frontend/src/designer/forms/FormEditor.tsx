/**
 * The package's forms: each `<name>.schema.json` / `<name>.uischema.json` pair edited as text
 * (a textarea with line numbers; no code-editor dependency) beside a live preview rendered by
 * the same SchemaForm the applicant and caseworker see. A JSON error is shown with its line,
 * and the preview keeps the last text that parsed.
 */
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { Alert, Button, Card, Empty, Form, Input, Menu, Modal, Popconfirm, Segmented, Spin, Typography } from 'antd'
import { Component, lazy, Suspense, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'

import { currentLang } from '../../app/i18n'
import { pickLang } from '../../shared/bilingual'
import { fileKind, filesOfKind, formBase, type FileSet } from '../files'
import { parseFormFile, stripMetaSchema, type JsonResult } from '../jsonErrors'
import type { DeployError } from '../serverErrors'
import { newFormSchema, newUiSchema } from '../template'
import { formLeaks } from './fieldRule'

const SchemaForm = lazy(() => import('../../shared/SchemaForm'))

class PreviewBoundary extends Component<{ children: ReactNode; fallback: (error: Error) => ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null }
  static getDerivedStateFromError(error: Error) {
    return { error }
  }
  render() {
    return this.state.error ? this.props.fallback(this.state.error) : this.props.children
  }
}

interface CodeAreaProps {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
  errorLine?: number
  focusLine?: { line: number; n: number } | null
}

/** A monospace textarea with a line-number gutter that marks the line of a JSON error. */
function CodeArea({ id, label, value, onChange, errorLine, focusLine }: CodeAreaProps) {
  const gutterRef = useRef<HTMLDivElement>(null)
  const areaRef = useRef<HTMLTextAreaElement>(null)
  const lines = value.split('\n').length

  useEffect(() => {
    const area = areaRef.current
    if (!focusLine || !area) return
    const starts = [0]
    for (let i = 0; i < area.value.length; i++) if (area.value[i] === '\n') starts.push(i + 1)
    const start = starts[Math.min(focusLine.line, starts.length) - 1] ?? 0
    const end = area.value.indexOf('\n', start)
    area.focus()
    area.setSelectionRange(start, end < 0 ? area.value.length : end)
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20
    area.scrollTop = Math.max(0, (focusLine.line - 5) * lineHeight)
  }, [focusLine])

  return (
    <div className="lexflow-code">
      <div ref={gutterRef} className="lexflow-code-gutter" aria-hidden="true">
        {Array.from({ length: lines }, (_, index) => (
          <div key={index} className={index + 1 === errorLine ? 'lexflow-code-error-line' : undefined}>
            {index + 1 === errorLine ? `✕ ${index + 1}` : index + 1}
          </div>
        ))}
      </div>
      <textarea
        ref={areaRef}
        id={id}
        aria-label={label}
        aria-invalid={errorLine ? true : undefined}
        spellCheck={false}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onScroll={(event) => {
          if (gutterRef.current) gutterRef.current.scrollTop = event.currentTarget.scrollTop
        }}
      />
    </div>
  )
}

export interface FormEditorProps {
  files: FileSet
  onChange: (name: string, text: string) => void
  onAdd: (files: FileSet) => void
  onRemove: (names: string[]) => void
  serverErrors: DeployError[]
  /** open this file (and line), e.g. from the list of server errors */
  focus?: { file: string; line: number | null; n: number } | null
}

interface FormPair {
  base: string
  schema?: string
  uischema?: string
}

export function formPairs(files: FileSet): FormPair[] {
  const pairs = new Map<string, FormPair>()
  for (const name of [...filesOfKind(files, 'schema'), ...filesOfKind(files, 'uischema')]) {
    const base = formBase(name)
    const pair = pairs.get(base) ?? { base }
    if (fileKind(name) === 'schema') pair.schema = name
    else pair.uischema = name
    pairs.set(base, pair)
  }
  return [...pairs.values()].sort((a, b) => a.base.localeCompare(b.base))
}

function useLastGood(result: JsonResult | null): Record<string, unknown> | undefined {
  const last = useRef<Record<string, unknown> | undefined>(undefined)
  if (result?.ok) last.current = result.value as Record<string, unknown>
  return last.current
}

export default function FormEditor({ files, onChange, onAdd, onRemove, serverErrors, focus }: FormEditorProps) {
  const { t } = useTranslation('designer')
  const pairs = useMemo(() => formPairs(files), [files])
  const [selected, setSelected] = useState<string | undefined>(pairs[0]?.base)
  const [which, setWhich] = useState<'schema' | 'uischema'>('schema')
  const [adding, setAdding] = useState(false)
  const [newName, setNewName] = useState('')
  const [focusLine, setFocusLine] = useState<{ line: number; n: number } | null>(null)
  const [previewData, setPreviewData] = useState<Record<string, unknown>>({})

  useEffect(() => {
    if (!focus || fileKind(focus.file) === 'other') return
    setSelected(formBase(focus.file))
    setWhich(fileKind(focus.file) === 'uischema' ? 'uischema' : 'schema')
    if (focus.line) setFocusLine({ line: focus.line, n: focus.n })
  }, [focus])

  const pair = pairs.find((item) => item.base === selected) ?? pairs[0]
  const schemaText = pair?.schema ? files[pair.schema] : undefined
  const uiText = pair?.uischema ? files[pair.uischema] : undefined
  const schemaResult = useMemo(() => (schemaText === undefined ? null : parseFormFile(schemaText)), [schemaText])
  const uiResult = useMemo(() => (uiText === undefined ? null : parseFormFile(uiText)), [uiText])
  const schema = useLastGood(schemaResult)
  const uiSchema = useLastGood(uiResult)
  const fileName = which === 'schema' ? pair?.schema : pair?.uischema
  const current = which === 'schema' ? schemaResult : uiResult
  const fileErrors = serverErrors.filter((error) => error.file === fileName)
  // The deploy's rule on declared fields, as the designer types (the server says the same).
  const leaks = useMemo(
    () => (which === 'schema' && schemaResult?.ok ? formLeaks(schemaResult.value) : []),
    [which, schemaResult],
  )
  const nameValid = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(newName) && !pairs.some((item) => item.base === newName)

  const add = () => {
    if (!nameValid) return
    onAdd({ [`${newName}.schema.json`]: newFormSchema(''), [`${newName}.uischema.json`]: newUiSchema() })
    setSelected(newName)
    setWhich('schema')
    setAdding(false)
    setNewName('')
  }

  return (
    <div className="lexflow-forms">
      <nav className="lexflow-forms-list" aria-label={t('forms.list')}>
        <Button icon={<PlusOutlined />} block onClick={() => setAdding(true)} style={{ marginBottom: 8 }}>
          {t('forms.add')}
        </Button>
        {pairs.length ? (
          <Menu
            mode="inline"
            selectedKeys={pair ? [pair.base] : []}
            onClick={({ key }) => setSelected(String(key))}
            items={pairs.map((item) => {
              const broken = [item.schema, item.uischema].some((name) => name && !parseFormFile(files[name]).ok)
              return { key: item.base, label: broken ? `${item.base} ✕` : item.base, danger: broken, title: item.base }
            })}
          />
        ) : (
          <Empty description={t('forms.none')} />
        )}
      </nav>
      {pair && fileName !== undefined ? (
        <>
          <section className="lexflow-forms-editor" aria-label={t('forms.editor')}>
            <div className="lexflow-forms-toolbar">
              <Segmented
                aria-label={t('forms.which')}
                value={which}
                onChange={(value) => setWhich(value as 'schema' | 'uischema')}
                options={[
                  { value: 'schema', label: t('forms.schema'), disabled: !pair.schema },
                  { value: 'uischema', label: t('forms.uischema'), disabled: !pair.uischema },
                ]}
              />
              <Typography.Text code>{fileName}</Typography.Text>
              <div style={{ flex: 1 }} />
              <Popconfirm
                title={t('forms.removeConfirm', { name: pair.base })}
                description={t('forms.removeHelp')}
                okText={t('forms.remove')}
                cancelText={t('cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() => {
                  onRemove([pair.schema, pair.uischema].filter((name): name is string => Boolean(name)))
                  setSelected(pairs.find((item) => item.base !== pair.base)?.base)
                }}
              >
                <Button danger icon={<DeleteOutlined />}>
                  {t('forms.remove')}
                </Button>
              </Popconfirm>
            </div>
            {current && !current.ok && (
              <Alert
                type="error"
                showIcon
                role="alert"
                title={t('forms.parseError', { line: current.line, column: current.column })}
                description={current.message}
                style={{ marginBottom: 8 }}
              />
            )}
            {leaks.length > 0 && (
              <Alert
                type="error"
                showIcon
                title={t('forms.fieldRule')}
                description={
                  <ul className="lexflow-forms-leaks">
                    {leaks.map((leak, index) => (
                      <li key={index}>{pickLang(leak.message, currentLang())}</li>
                    ))}
                  </ul>
                }
                style={{ marginBottom: 8 }}
              />
            )}
            {fileErrors.map((error, index) => (
              <Alert key={index} type="error" showIcon title={`${error.file}${error.line ? `:${error.line}` : ''}`} description={error.message} style={{ marginBottom: 8 }} />
            ))}
            <CodeArea
              key={fileName}
              id={`form-text-${fileName}`}
              label={t('forms.textLabel', { file: fileName })}
              value={files[fileName]}
              onChange={(text) => onChange(fileName, text)}
              errorLine={current && !current.ok ? current.line : undefined}
              focusLine={focusLine}
            />
          </section>
          <Card className="lexflow-forms-preview" title={<h2 className="lexflow-h2">{t('forms.preview')}</h2>} size="small">
            {(schemaResult && !schemaResult.ok) || (uiResult && !uiResult.ok) ? (
              <Alert type="warning" showIcon title={t('forms.previewStale')} style={{ marginBottom: 8 }} />
            ) : null}
            {schema ? (
              <PreviewBoundary
                key={`${schemaText}|${uiText}`}
                fallback={(error) => <Alert type="error" showIcon title={t('forms.previewFailed')} description={error.message} />}
              >
                <Suspense fallback={<Spin />}>
                  <SchemaForm
                    schema={stripMetaSchema(schema)}
                    uiSchema={uiSchema}
                    formData={previewData}
                    onChange={setPreviewData}
                    onSubmit={() => undefined}
                    idPrefix="preview"
                    submitLabel={t('forms.check')}
                    liveValidate
                  />
                </Suspense>
              </PreviewBoundary>
            ) : (
              <Empty description={t('forms.noPreview')} />
            )}
          </Card>
        </>
      ) : (
        <Empty description={t('forms.none')} style={{ flex: 1 }} />
      )}
      <Modal
        open={adding}
        title={t('forms.addTitle')}
        onCancel={() => setAdding(false)}
        onOk={add}
        okButtonProps={{ disabled: !nameValid }}
        okText={t('forms.addOk')}
        destroyOnHidden
      >
        <Form layout="vertical" onFinish={add}>
          <Form.Item
            label={t('forms.newName')}
            htmlFor="new-form-name"
            help={newName && !nameValid ? t('forms.newNameInvalid') : t('forms.newNameHelp')}
            validateStatus={newName && !nameValid ? 'error' : undefined}
          >
            <Input id="new-form-name" value={newName} onChange={(event) => setNewName(event.target.value.trim())} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  )
}
