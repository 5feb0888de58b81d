/**
 * The applicant's status timeline, in plain words: when they applied, each change of stage (the
 * `stage` the diagram gives the steps the case passed, as the server works out the current
 * stage), each notice sent, and what they did themselves. Internal steps and staff names stay out.
 */
import type { HistoryEvent } from '../app/types'

export interface ElementInfo {
  name?: string
  stage?: string
}

export interface NoticeRef {
  id: number
  title: string
  created_at: string
}

export type TimelineItem =
  | { kind: 'submitted'; at: string }
  | { kind: 'stage'; at: string; stage: string; current: boolean }
  | { kind: 'notice'; at: string; title: string; id: number }
  | { kind: 'done'; at: string; task: string }

/** bpmn id -> {name, stage} from the process's BPMN XML (spiffworkflow `stage` properties). */
export function readElements(xml: string): Record<string, ElementInfo> {
  const out: Record<string, ElementInfo> = {}
  if (!xml) return out
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return out
  for (const element of Array.from(doc.getElementsByTagName('*'))) {
    const id = element.getAttribute('id')
    const name = element.getAttribute('name')
    if (id && name && element.namespaceURI?.includes('BPMN/20100524/MODEL')) (out[id] ??= {}).name = name
  }
  for (const property of Array.from(doc.getElementsByTagNameNS('*', 'property'))) {
    if (property.getAttribute('name') !== 'stage') continue
    // <node id><extensionElements><properties><property name="stage" value="…"/>
    const node = property.parentElement?.parentElement?.parentElement
    const id = node?.getAttribute('id')
    const value = property.getAttribute('value')
    if (id && value) (out[id] ??= {}).stage = value
  }
  return out
}

function steps(event: HistoryEvent): string[] | null {
  const value = event.detail?.steps
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null
}

export interface TimelineInput {
  history: HistoryEvent[]
  elements: Record<string, ElementInfo>
  notices?: NoticeRef[]
  /** The case's stage now (the server's word wins over what the history suggests). */
  currentStage?: string
  me?: number | null
}

/**
 * Each write to a case (its start, a task completed, a timer) moves it on. Its stage afterwards is
 * that of the first task it opened that names one, else of the last step it passed that names
 * one; a change from the stage before is a line on the timeline.
 */
export function buildTimeline({ history, elements, notices = [], currentStage, me }: TimelineInput): TimelineItem[] {
  const events = [...history].sort((a, b) => a.id - b.id)
  const items: TimelineItem[] = []
  let stage: string | undefined
  const stageOf = (id: string) => elements[id]?.stage

  events.forEach((event, index) => {
    const passed = steps(event)
    if (event.action === 'instance.started') items.push({ kind: 'submitted', at: event.created_at })
    if (!passed) return
    if (event.action === 'task.completed' && me != null && event.actor?.id === me && passed.length) {
      const task = elements[passed[0]]?.name ?? ''
      items.push({ kind: 'done', at: event.created_at, task })
    }
    const opened: string[] = []
    for (const later of events.slice(index + 1)) {
      if (steps(later)) break
      if (later.action === 'task.created' && typeof later.detail?.bpmn_id === 'string') opened.push(later.detail.bpmn_id)
    }
    const next = opened.map(stageOf).find(Boolean) ?? [...passed].reverse().map(stageOf).find(Boolean)
    if (next && next !== stage) {
      stage = next
      items.push({ kind: 'stage', at: event.created_at, stage: next, current: false })
    }
  })

  if (currentStage && currentStage !== stage) {
    const last = events[events.length - 1]
    items.push({ kind: 'stage', at: last?.created_at ?? '', stage: currentStage, current: false })
    stage = currentStage
  }
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const item = items[i]
    if (item.kind === 'stage') {
      items[i] = { ...item, current: true }
      break
    }
  }
  // Notices go after what the same write did (they are written a moment before its events).
  const sorted = [...notices].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id)
  for (const notice of sorted) {
    const when = Date.parse(notice.created_at)
    let at = items.length
    while (at > 0 && !(Date.parse(items[at - 1].at) <= when + 1000)) at -= 1
    items.splice(at, 0, { kind: 'notice', at: notice.created_at, title: notice.title, id: notice.id })
  }
  return items
}
