/**
 * What an administrator or director can do to a whole case (撤销, 中止, 恢复, 更正数据) and to its
 * open incident (重试, 标记解决): each asks for the reason and says what the server answered.
 */
import { useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, DatePicker, Form, Input, Modal } from 'antd'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'

import { api, ApiError } from '../app/api'
import type { CaseAction, InstanceDetail } from '../app/types'
import { pickLang } from '../shared/bilingual'
import { formatDateTime } from './format'
import { NS } from './i18n'
import { useLang } from './parts'

// antd's danger red is too light for WCAG AA on white (and white on it): a darker red.
const CANCEL_STYLE = {
  open: { color: '#a8071a', borderColor: '#a8071a' },
  confirm: { background: '#a8071a', borderColor: '#a8071a' },
}

type Dialog = Exclude<CaseAction, 'withdraw'> | 'retry' | 'resolveIncident'

interface Values {
  reason?: string
  until?: Dayjs | null
  variable?: string
  value?: string
}

/** The JSON a corrected variable is given as; plain text when it is not JSON. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export default function CaseActions({ instance }: { instance: InstanceDetail }) {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const { message } = App.useApp()
  const client = useQueryClient()
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [busy, setBusy] = useState(false)
  const [form] = Form.useForm<Values>()
  const actions = (instance.actions ?? []).filter((action): action is Exclude<CaseAction, 'withdraw'> => action !== 'withdraw')
  const incident = instance.incident
  const operator = actions.includes('cancel')

  function start(next: Dialog) {
    form.resetFields()
    setDialog(next)
  }

  async function submit() {
    if (!dialog) return
    const values = await form.validateFields().catch(() => null)
    if (!values) return
    setBusy(true)
    try {
      const reason = (values.reason ?? '').trim()
      if (dialog === 'retry') await api(`/incidents/${incident?.id}/retry`, { method: 'POST' })
      else if (dialog === 'resolveIncident') await api(`/incidents/${incident?.id}/resolve`, { json: { note: reason } })
      else if (dialog === 'data') {
        await api(`/instances/${instance.id}/data`, {
          method: 'PATCH',
          json: { changes: { [(values.variable ?? '').trim()]: parseValue(values.value ?? '') }, reason },
        })
      } else if (dialog === 'suspend') {
        await api(`/instances/${instance.id}/suspend`, { json: { reason, until: values.until ? values.until.format('YYYY-MM-DD') : null } })
      } else if (dialog === 'resume') await api(`/instances/${instance.id}/resume`, { method: 'POST' })
      else await api(`/instances/${instance.id}/${dialog}`, { json: { reason } })
      message.success(t(`caseOps.done.${dialog}`))
      setDialog(null)
      void client.invalidateQueries({ queryKey: ['instance', instance.id] })
      void client.invalidateQueries({ queryKey: ['diagram', instance.id] })
      void client.invalidateQueries({ queryKey: ['cases'] })
      void client.invalidateQueries({ queryKey: ['incidents'] })
    } catch (error) {
      if (error instanceof ApiError) {
        const fields = Object.keys(error.fieldErrors)
        const name = fields.some((field) => field.startsWith('changes')) ? 'variable' : fields.includes('until') ? 'until' : 'reason'
        if (fields.length) form.setFields([{ name, errors: Object.values(error.fieldErrors).flat().map((text) => pickLang(text, lang)) }])
        else message.error(pickLang(error.message, lang))
      } else message.error(tc('error'))
    } finally {
      setBusy(false)
    }
  }

  const needsReason = dialog !== null && dialog !== 'retry' && dialog !== 'resume'
  return (
    <>
      {incident && (
        <Alert
          type="error"
          showIcon
          className="wb-gap"
          data-testid="incident"
          title={t('caseOps.incident', { step: incident.element_name || incident.bpmn_id || '—', attempts: incident.attempts })}
          description={
            <>
              <div className="wb-pre wb-small">{incident.error}</div>
              <div className="wb-muted wb-small">{formatDateTime(incident.last_attempt_at)}</div>
            </>
          }
          action={
            operator && (
              <div className="wb-case-actions">
                <Button size="small" type="primary" onClick={() => start('retry')}>
                  {t('caseOps.retry')}
                </Button>
                <Button size="small" onClick={() => start('resolveIncident')}>
                  {t('caseOps.resolveIncident')}
                </Button>
              </div>
            )
          }
        />
      )}
      {instance.suspension && (
        <Alert
          type="warning"
          showIcon
          className="wb-gap"
          title={t('caseOps.suspended', { reason: instance.suspension.reason })}
          description={instance.suspension.until ? t('caseOps.until', { date: instance.suspension.until }) : undefined}
        />
      )}
      {instance.end_reason && <Alert type="info" showIcon className="wb-gap" title={t('caseOps.endReason', { reason: instance.end_reason })} />}
      {actions.length > 0 && (
        <div className="wb-case-actions" role="group" aria-label={t('caseOps.title')}>
          {actions.map((action) => (
            <Button key={action} style={action === 'cancel' ? CANCEL_STYLE.open : undefined} onClick={() => start(action)} data-testid={`case-${action}`}>
              {t(`caseOps.${action}`)}
            </Button>
          ))}
        </div>
      )}
      <Modal
        open={dialog !== null}
        title={dialog ? t(`caseOps.${dialog}`) : ''}
        okText={dialog ? t(`caseOps.${dialog}`) : tc('confirm')}
        okButtonProps={{ style: dialog === 'cancel' ? CANCEL_STYLE.confirm : undefined }}
        cancelText={tc('cancel')}
        onOk={() => void submit()}
        onCancel={() => setDialog(null)}
        confirmLoading={busy}
        destroyOnHidden
      >
        {dialog && <p className="wb-muted">{t(`caseOps.help.${dialog}`)}</p>}
        <Form form={form} layout="vertical">
          {dialog === 'data' && (
            <>
              <Form.Item name="variable" label={t('caseOps.variable')} rules={[{ required: true, whitespace: true, message: t('caseOps.variableRequired') }]}>
                <Input aria-label={t('caseOps.variable')} />
              </Form.Item>
              <Form.Item name="value" label={t('caseOps.value')} extra={t('caseOps.valueHint')}>
                <Input.TextArea rows={2} aria-label={t('caseOps.value')} />
              </Form.Item>
            </>
          )}
          {dialog === 'suspend' && (
            <Form.Item name="until" label={t('caseOps.untilLabel')}>
              <DatePicker aria-label={t('caseOps.untilLabel')} />
            </Form.Item>
          )}
          {needsReason && (
            <Form.Item
              name="reason"
              label={dialog === 'resolveIncident' ? t('caseOps.note') : t('ops.reason')}
              rules={[{ required: true, whitespace: true, message: t('ops.reasonRequired') }]}
            >
              <Input.TextArea rows={3} maxLength={2000} showCount aria-label={dialog === 'resolveIncident' ? t('caseOps.note') : t('ops.reason')} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </>
  )
}
