/**
 * "试运行 / Start a test case": starts the latest deployed version (filling its start form, if
 * it has one) and links to the new case in the workbench.
 */
import { PlayCircleOutlined } from '@ant-design/icons'
import { useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Descriptions, Modal, Result, Spin, Tooltip } from 'antd'
import { lazy, Suspense, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router-dom'

import { ApiError, type FieldErrors } from '../app/api'
import { currentLang } from '../app/i18n'
import type { InstanceDetail } from '../app/types'
import { pickLang } from '../shared/bilingual'
import { designerKeys, fetchFiles, startInstance } from './api'
import { mainBpmn, startFormOf } from './files'
import { parseFormFile, stripMetaSchema } from './jsonErrors'

const SchemaForm = lazy(() => import('../shared/SchemaForm'))

interface StartForm {
  schema: Record<string, unknown> | null
  uiSchema?: Record<string, unknown>
}

export default function StartTestCase({ processKey, version, dirty }: { processKey: string; version: number; dirty: boolean }) {
  const { t } = useTranslation('designer')
  const queryClient = useQueryClient()
  const [open, setOpen] = useState(false)
  const [form, setForm] = useState<StartForm | null>(null)
  const [loading, setLoading] = useState(false)
  const [starting, setStarting] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({})
  const [started, setStarted] = useState<InstanceDetail | null>(null)
  const [data, setData] = useState<Record<string, unknown>>({})
  const lang = currentLang()

  const begin = async () => {
    setOpen(true)
    setStarted(null)
    setError(null)
    setFieldErrors({})
    setData({})
    setLoading(true)
    try {
      const files = await queryClient.fetchQuery({
        queryKey: designerKeys.files(processKey, version),
        queryFn: () => fetchFiles(processKey, version),
        staleTime: Infinity,
      })
      const main = mainBpmn(files, processKey)
      const { form: schemaFile, uiForm } = main ? startFormOf(files[main], processKey) : {}
      const parse = (name?: string) => {
        const result = name && files[name] !== undefined ? parseFormFile(files[name]) : null
        return result?.ok ? stripMetaSchema(result.value as Record<string, unknown>) : undefined
      }
      setForm({ schema: parse(schemaFile) ?? null, uiSchema: parse(uiForm) })
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setLoading(false)
    }
  }

  const start = async (formData: Record<string, unknown>) => {
    setStarting(true)
    setError(null)
    setFieldErrors({})
    try {
      setStarted(await startInstance(processKey, formData))
    } catch (err) {
      if (err instanceof ApiError) {
        setError(err.message)
        setFieldErrors(Object.fromEntries(Object.entries(err.fieldErrors).map(([path, messages]) => [path.replace(/^data\.?/, ''), messages])))
      } else setError(String(err))
    } finally {
      setStarting(false)
    }
  }

  return (
    <>
      <Tooltip title={dirty ? t('test.dirtyHint', { version }) : t('test.hint', { version })}>
        <Button icon={<PlayCircleOutlined />} onClick={begin}>
          {t('test.button')}
        </Button>
      </Tooltip>
      <Modal
        open={open}
        title={t('test.title', { version })}
        onCancel={() => setOpen(false)}
        footer={null}
        width={720}
        destroyOnHidden
      >
        {loading && <Spin />}
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
        {started ? (
          <Result
            status="success"
            title={t('test.started', { key: started.business_key || started.id })}
            subTitle={pickLang(started.stage, lang)}
            extra={[
              <Link key="open" to={`/workbench/cases/${started.id}`}>
                <Button type="primary">{t('test.openCase')}</Button>
              </Link>,
              <Button key="close" onClick={() => setOpen(false)}>
                {t('close')}
              </Button>,
            ]}
          >
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('test.caseNumber')}>{started.business_key || started.id}</Descriptions.Item>
              <Descriptions.Item label={t('test.status')}>{t(`common:status.${started.status}`, { defaultValue: started.status })}</Descriptions.Item>
              <Descriptions.Item label={t('test.openTasks')}>
                {started.tasks?.length ? started.tasks.map((task) => pickLang(task.name, lang)).join('、') : t('test.noTasks')}
              </Descriptions.Item>
            </Descriptions>
          </Result>
        ) : form && !loading ? (
          form.schema ? (
            <Suspense fallback={<Spin />}>
              <p>{t('test.fillStartForm')}</p>
              <SchemaForm
                schema={form.schema}
                uiSchema={form.uiSchema}
                formData={data}
                onChange={setData}
                onSubmit={start}
                serverErrors={fieldErrors}
                disabled={starting}
                submitLabel={t('test.start')}
                idPrefix="testcase"
              />
            </Suspense>
          ) : (
            <>
              <p>{t('test.noStartForm')}</p>
              <Button type="primary" loading={starting} onClick={() => start({})}>
                {t('test.start')}
              </Button>
            </>
          )
        ) : null}
      </Modal>
    </>
  )
}
