/** "Who did what, when": audit events in words, named after the diagram's elements. */
import type { HistoryEvent, Task } from '../app/types'

/** id -> name of every named element of a BPMN document ("受理审查 / Decide on acceptance"). */
export function elementNames(xml: string | undefined): Record<string, string> {
  const names: Record<string, string> = {}
  if (!xml) return names
  let doc: Document
  try {
    doc = new DOMParser().parseFromString(xml, 'application/xml')
  } catch {
    return names
  }
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const id = element.getAttribute('id')
    const name = element.getAttribute('name')
    if (id && name && !(id in names)) names[id] = name
  }
  return names
}

/** The generic actions the workbench names; anything else is a process milestone. */
export const KNOWN_ACTIONS = [
  'instance.started',
  'instance.completed',
  'instance.error',
  'instance.timer',
  'instance.rated',
  'task.created',
  'task.claimed',
  'task.unclaimed',
  'task.completed',
  'task.cancelled',
  'timer.fired',
  'timer.cancelled',
  'timer.moved',
  'document.issued',
  'task.transferred',
  'task.assigned',
  'task.delegated',
  'task.resolved',
  'task.returned',
  'task.withdrawn',
  'task.commented',
  'task.consulted',
  'task.copied',
  'task.urged',
  'task.due_moved',
  'instance.cancelled',
  'instance.withdrawn',
  'instance.suspended',
  'instance.resumed',
  'instance.data_changed',
  'incident.opened',
  'incident.retried',
  'incident.retry_failed',
  'incident.resolved',
] as const

export interface EventWords {
  /** i18n key under the workbench namespace: `action.task_completed`, `action.milestone`. */
  actionKey: string
  /** What it was about: the task or element name (bilingual), or the milestone's code. */
  subject: string
  /** Who it went to, and why, as recorded (a transfer's reason, an opinion, a return's step). */
  note: string
}

/** The people and words an operation recorded: "→ 赵磊 · 休假". */
export function eventNote(event: HistoryEvent, names: Record<string, string> = {}): string {
  const detail = event.detail ?? {}
  const parts: string[] = []
  const to = detail.to
  if (event.action === 'task.returned' && typeof to === 'string') parts.push(`→ ${names[to] ?? to}`)
  else if (typeof to === 'string' && to) parts.push(`→ ${to}`)
  else if (Array.isArray(to) && to.length) parts.push(`→ ${to.join('、')}`)
  for (const key of ['reason', 'text', 'question', 'comment', 'note', 'message']) {
    const value = detail[key]
    if (typeof value === 'string' && value.trim() && !(event.action === 'task.completed' && key !== 'comment')) parts.push(value.trim())
  }
  return parts.join(' · ')
}

/** Task ids -> BPMN ids, from the `task.created` events and the open tasks. */
export function taskElements(history: HistoryEvent[], tasks: Task[] = []): Map<number, string> {
  const map = new Map<number, string>()
  for (const event of history) {
    const bpmnId = event.detail?.bpmn_id
    if (event.task && typeof bpmnId === 'string') map.set(event.task, bpmnId)
  }
  for (const task of tasks) map.set(task.id, task.bpmn_id)
  return map
}

export function describeEvent(event: HistoryEvent, names: Record<string, string>, tasks: Map<number, string>): EventWords {
  const known = (KNOWN_ACTIONS as readonly string[]).includes(event.action)
  const detail = event.detail ?? {}
  const nameOf = (id: unknown) => (typeof id === 'string' ? (names[id] ?? id) : '')
  let subject = ''
  if (event.action === 'document.issued' && typeof detail.title === 'string') subject = detail.title
  else if (event.task && tasks.has(event.task)) subject = nameOf(tasks.get(event.task))
  else if (typeof detail.bpmn_id === 'string') subject = nameOf(detail.bpmn_id)
  else if (Array.isArray(detail.bpmn_ids)) subject = detail.bpmn_ids.map(nameOf).join('; ')
  if (!known) {
    // A milestone: the element that reported it names it; without one, its code does.
    return { actionKey: 'action.milestone', subject: typeof detail.bpmn_id === 'string' && names[detail.bpmn_id] ? names[detail.bpmn_id] : event.action, note: '' }
  }
  return { actionKey: `action.${event.action.replace('.', '_')}`, subject, note: eventNote(event, names) }
}
