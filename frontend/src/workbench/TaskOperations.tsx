/**
 * The task page's operation buttons and their dialogs: each asks for who (a person picker, or
 * the step to send the case back to) and why, and says what the server answered.
 */
import { useQuery } from '@tanstack/react-query'
import { App, Button, Form, Input, Modal, Select, Space } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'

import { api, ApiError } from '../app/api'
import type { TaskDetail, UserRef } from '../app/types'
import { pickLang } from '../shared/bilingual'
import { namedPopup } from '../shared/NamedListbox'
import PersonPicker from '../shared/PersonPicker'
import { NS } from './i18n'
import { OPERATION_FORMS, operationBody, operationButtons, type Operation } from './operations'
import { useLang } from './parts'

interface ReturnTarget {
  bpmn_id: string
  name: string
  done_by: UserRef | null
  done_at: string | null
}

interface Values {
  to?: string | string[]
  text?: string
}

export interface TaskOperationsProps {
  task: TaskDetail
  /** the form as filled in so far: a delegate hands it back with the task */
  draft?: Record<string, unknown>
  /** after an operation succeeded; `left` when the task is no longer the caller's to work */
  onDone: (operation: Operation, result: TaskDetail, left: boolean) => void
}

/** Operations after which the caller no longer works the task (it went elsewhere). */
const LEAVES: Operation[] = ['return', 'transfer', 'delegate', 'resolve']

export default function TaskOperations({ task, draft, onDone }: TaskOperationsProps) {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const { message } = App.useApp()
  const [operation, setOperation] = useState<Operation | null>(null)
  const [busy, setBusy] = useState(false)
  const [form] = Form.useForm<Values>()
  const buttons = operationButtons(task.actions)
  const targets = useQuery({
    queryKey: ['return-targets', task.id],
    queryFn: () => api<ReturnTarget[]>(`/tasks/${task.id}/return-targets`),
    enabled: operation === 'return',
  })
  if (!buttons.length) return null

  const spec = operation ? OPERATION_FORMS[operation] : null
  const name = pickLang(task.name, lang)

  function start(next: Operation) {
    form.resetFields()
    setOperation(next)
  }

  async function submit() {
    if (!operation) return
    const values = await form.validateFields().catch(() => null)
    if (!values) return
    setBusy(true)
    try {
      const body = operationBody(operation, values, draft)
      const result = await api<TaskDetail>(`/tasks/${task.id}/${operation}`, { json: body })
      const to = Array.isArray(values.to) ? values.to.join('、') : (values.to ?? task.owner?.display_name ?? '')
      message.success(t(`ops.done.${operation}`, { to }))
      setOperation(null)
      onDone(operation, result, LEAVES.includes(operation))
    } catch (error) {
      if (error instanceof ApiError) {
        const fields = Object.entries(error.fieldErrors).map(([field, messages]) => ({
          name: field === 'to' || field.startsWith('to.') ? 'to' : 'text',
          errors: messages.map((text) => pickLang(text, lang)),
        }))
        if (fields.length) form.setFields(fields as never)
        else message.error(pickLang(error.message, lang))
      } else message.error(tc('error'))
    } finally {
      setBusy(false)
    }
  }

  const textLabel = spec?.text ? t(`ops.${spec.text.field}`) : ''
  return (
    <>
      <Space wrap className="wb-operations" aria-label={t('ops.title')}>
        {buttons.map((button) => (
          <Button key={button} size="small" onClick={() => start(button)} data-testid={`op-${button}`}>
            {t(`ops.${button}`)}
          </Button>
        ))}
      </Space>
      <Modal
        open={operation !== null}
        title={operation ? `${t(`ops.${operation}`)} · ${name}` : ''}
        okText={operation ? t(`ops.${operation}`) : tc('confirm')}
        cancelText={tc('cancel')}
        onOk={() => void submit()}
        onCancel={() => setOperation(null)}
        confirmLoading={busy}
        destroyOnHidden
      >
        {operation && <p className="wb-muted">{operation === 'withdraw' ? t('ops.withdrawConfirm', { name }) : t(`ops.help.${operation}`)}</p>}
        {spec && (
          <Form form={form} layout="vertical" requiredMark>
            {spec.to === 'step' && (
              <Form.Item name="to" label={t('ops.returnTo')} extra={t('ops.returnToHint')} rules={[{ required: true, message: t('ops.targetRequired') }]}>
                <Select
                  aria-label={t('ops.returnTo')}
                  popupRender={namedPopup(t('ops.returnTo'))}
                  loading={targets.isLoading}
                  notFoundContent={t('ops.noTargets')}
                  options={(targets.data ?? []).map((target) => ({
                    value: target.bpmn_id,
                    label: target.done_by
                      ? `${pickLang(target.name, lang)}（${t('ops.doneBy', { name: target.done_by.display_name })}）`
                      : pickLang(target.name, lang),
                  }))}
                />
              </Form.Item>
            )}
            {(spec.to === 'person' || spec.to === 'people') && (
              <Form.Item name="to" label={spec.to === 'people' ? t('ops.toMany') : t('ops.to')} rules={[{ required: true, message: t('ops.personRequired') }]}>
                <PersonPicker
                  multiple={spec.to === 'people'}
                  task={spec.candidates === 'task' ? task.id : undefined}
                  instance={spec.candidates === 'case' ? task.instance : undefined}
                  exclude={task.assignee ? [task.assignee.username] : []}
                  aria-label={spec.to === 'people' ? t('ops.toMany') : t('ops.to')}
                />
              </Form.Item>
            )}
            {spec.text && (
              <Form.Item
                name="text"
                label={textLabel}
                rules={spec.text.required ? [{ required: true, whitespace: true, message: t('ops.reasonRequired') }] : []}
              >
                <Input.TextArea rows={3} maxLength={2000} showCount aria-label={textLabel} />
              </Form.Item>
            )}
          </Form>
        )}
      </Modal>
    </>
  )
}
