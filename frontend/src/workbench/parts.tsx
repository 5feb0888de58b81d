/** Small pieces the workbench screens share. */
import { BellOutlined, ClockCircleOutlined, RollbackOutlined, ThunderboltOutlined, WarningOutlined } from '@ant-design/icons'
import { Modal, Tag } from 'antd'
import { useTranslation } from 'react-i18next'

import { currentLang } from '../app/i18n'
import type { Task } from '../app/types'
import { countdownText, countdownTone } from './countdown'
import { formatDateTime } from './format'
import { NS } from './i18n'
import { isDueToday, isOverdue } from './rows'

export function useLang() {
  const { i18n } = useTranslation()
  return i18n.language === 'en' ? 'en' : currentLang()
}

/** The due date and, beside it, the working days left; today and overdue in bold colour. */
export function DueCountdown({ dueAt, days, inline = false }: { dueAt: string | null; days: number | null | undefined; inline?: boolean }) {
  const lang = useLang()
  const tone = countdownTone(days)
  const text = countdownText(days, lang)
  if (!dueAt) return <span className="wb-due wb-due-none">{text}</span>
  return (
    <span className={`wb-due wb-due-${tone}${inline ? ' wb-due-inline' : ''}`}>
      <span className="wb-due-date">{formatDateTime(dueAt)}</span>
      <span className="wb-due-left">
        {(tone === 'overdue' || tone === 'today') && <ClockCircleOutlined aria-hidden />} {text}
      </span>
    </span>
  )
}

/** antd's preset tag colours are too light on their tint for WCAG AA; these are not. */
export const TAG_TEXT = {
  green: { color: '#135200', borderColor: '#95de64' },
  today: { color: '#873800', borderColor: '#ffc069' },
  overdue: { color: '#a8071a', borderColor: '#ffa39e' },
}

/** Text tags, so the row's colour is never the only signal. */
export function TaskTags({ task }: { task: Task }) {
  const { t } = useTranslation(NS)
  return (
    <>
      {task.green_channel && (
        <Tag color="green" icon={<ThunderboltOutlined aria-hidden />} className="wb-tag-green" style={TAG_TEXT.green}>
          {t('tag.green')}
        </Tag>
      )}
      {isOverdue(task) && (
        <Tag color="red" icon={<WarningOutlined aria-hidden />} className="wb-tag-overdue" style={TAG_TEXT.overdue}>
          {t('tag.overdue')}
        </Tag>
      )}
      {isDueToday(task) && (
        <Tag color="orange" icon={<ClockCircleOutlined aria-hidden />} className="wb-tag-today" style={TAG_TEXT.today}>
          {t('tag.today')}
        </Tag>
      )}
      {task.status === 'open' && task.urged_at && (
        <Tag color="volcano" icon={<BellOutlined aria-hidden />} className="wb-tag-urged" style={TAG_TEXT.overdue} title={task.urge_note || undefined}>
          {t('tag.urged')}
        </Tag>
      )}
      {task.status === 'open' && task.return_reason && (
        <Tag icon={<RollbackOutlined aria-hidden />} className="wb-tag-returned" style={TAG_TEXT.today} title={task.return_reason}>
          {t('tag.returned')}
        </Tag>
      )}
      {task.delegation === 'pending' && <Tag className="wb-tag-delegated">{t('tag.delegated')}</Tag>}
    </>
  )
}

export function Kbd({ children }: { children: string }) {
  return <kbd className="wb-kbd">{children}</kbd>
}

const QUEUE_KEYS: [string[], string][] = [
  [['j', 'k', '↑', '↓'], 'help.move'],
  [['Enter'], 'help.open'],
  [['c'], 'help.claim'],
  [['u'], 'help.unclaim'],
  [['/'], 'help.search'],
  [['1', '…', '6', '0'], 'help.presets'],
  [['?'], 'help.help'],
]
const TASK_KEYS: [string[], string][] = [
  [['c'], 'help.claimThis'],
  [['Ctrl', '+', 'Enter'], 'help.submit'],
  [['Esc'], 'help.back'],
  [['?'], 'help.help'],
]

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation(NS)
  const section = (title: string, rows: [string[], string][]) => (
    <section>
      <h3 className="wb-help-heading">{title}</h3>
      <table className="wb-help-table">
        <tbody>
          {rows.map(([keys, label]) => (
            <tr key={label}>
              <th scope="row">
                {keys.map((key, index) => (key === '…' || key === '+' ? <span key={index}> {key} </span> : <Kbd key={index}>{key}</Kbd>))}
              </th>
              <td>{t(label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
  return (
    <Modal open={open} onCancel={onClose} footer={null} title={t('help.title')} width={520}>
      {section(t('help.queue'), QUEUE_KEYS)}
      {section(t('help.task'), TASK_KEYS)}
      <p className="wb-muted">{t('help.typing')}</p>
    </Modal>
  )
}
