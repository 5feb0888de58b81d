/// <reference types="node" />
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import type { HistoryEvent } from '../app/types'
import { choiceLabels, missingList } from './materials'
import { buildTimeline, readElements } from './timeline'

const shipped = (path: string) => readFileSync(resolve(__dirname, '../../../bpmn', path), 'utf8')
const bpmn = shipped('legal_aid_application/legal_aid_application.bpmn')
const supplementForm = JSON.parse(shipped('legal_aid_application/forms/supplement.schema.json'))

const applicant = { id: 7, username: 'applicant', display_name: '张三' }
const caseworker = { id: 9, username: 'caseworker', display_name: '王五' }
let next = 0
const event = (action: string, at: string, detail: Record<string, unknown> = {}, actor: HistoryEvent['actor'] = null): HistoryEvent => ({
  id: ++next,
  action,
  actor,
  task: null,
  created_at: `2026-03-${at}+08:00`,
  detail,
})

// The history of a legal-aid case whose materials were incomplete, as the API gives it to the applicant.
const history: HistoryEvent[] = [
  event('instance.started', '09T09:00:00.100', { process: 'legal_aid_application', steps: ['start', 'identity_merge', 'check_identity', 'id_valid', 'register_receipt', 'received', 'advance_needed', 'review_merge'] }, applicant),
  event('task.created', '09T09:00:00.101', { bpmn_id: 'check_completeness' }),
  event('legal_aid.received', '09T09:00:00.102', { bpmn_id: 'received' }),
  event('task.claimed', '10T10:00:00.000', {}, caseworker),
  event('document.issued', '10T10:05:00.500', { bpmn_id: 'supplement_requested' }),
  event('task.completed', '10T10:05:00.510', { steps: ['check_completeness', 'complete_gw', 'request_supplement', 'supplement_requested'] }, caseworker),
  event('task.created', '10T10:05:00.511', { bpmn_id: 'supplement' }),
  event('legal_aid.supplement_requested', '10T10:05:00.512', { bpmn_id: 'supplement_requested' }),
  event('task.claimed', '13T15:00:00.000', {}, applicant),
  event('task.completed', '13T15:00:01.000', { steps: ['supplement', 'supplemented'] }, applicant),
  event('task.created', '13T15:00:01.001', { bpmn_id: 'check_supplement' }),
]
const notices = [{ id: 3, title: '补正材料通知书 / Notice to supply missing material', created_at: '2026-03-10T10:05:00.400+08:00' }]

describe('readElements', () => {
  it('reads each step’s name and plain-language stage from the diagram', () => {
    const elements = readElements(bpmn)
    expect(elements.start).toEqual({ name: '提交申请 / Application submitted', stage: '已提交 / Submitted' })
    expect(elements.supplement.stage).toBe('待补充材料 / Waiting for the missing material')
    expect(elements.check_completeness.stage).toBe('材料审查中 / Checking your materials')
    expect(readElements('not xml')).toEqual({})
  })
})

describe('buildTimeline', () => {
  const elements = readElements(bpmn)

  it('tells the story in plain steps: applied, each stage, the notice, what the applicant did', () => {
    const items = buildTimeline({ history, elements, notices, currentStage: elements.check_supplement?.stage ?? '材料审查中 / Checking your materials', me: applicant.id })
    expect(items.map((item) => [item.kind, 'stage' in item ? item.stage : 'title' in item ? item.title : 'task' in item ? item.task : ''])).toEqual([
      ['submitted', ''],
      ['stage', '材料审查中 / Checking your materials'],
      ['stage', '待补充材料 / Waiting for the missing material'],
      ['notice', '补正材料通知书 / Notice to supply missing material'],
      ['done', '补充材料 / Supply the missing material'],
      ['stage', elements.check_supplement?.stage ?? '材料审查中 / Checking your materials'],
    ])
    expect(items.filter((item) => item.kind === 'stage' && item.current)).toHaveLength(1)
    expect(items[items.length - 1]).toMatchObject({ kind: 'stage', current: true })
  })

  it('leaves out staff steps, claims and milestones, and never names staff', () => {
    const items = buildTimeline({ history, elements, notices: [], me: applicant.id })
    expect(JSON.stringify(items)).not.toContain('王五')
    expect(items.some((item) => item.kind === 'done' && item.task.includes('审查材料'))).toBe(false)
  })

  it('ends on the stage the server reports, even when the diagram is not available', () => {
    const items = buildTimeline({ history, elements: {}, currentStage: '审查中 / Under review' })
    expect(items).toEqual([
      { kind: 'submitted', at: history[0].created_at },
      { kind: 'stage', at: history[history.length - 1].created_at, stage: '审查中 / Under review', current: true },
    ])
  })

  it('does not repeat a stage that did not change', () => {
    const again = [...history, event('task.completed', '14T09:00:00', { steps: ['check_supplement'] }, caseworker), event('task.created', '14T09:00:00.001', { bpmn_id: 'check_completeness' })]
    const stages = buildTimeline({ history: again, elements: { check_completeness: { stage: 'A' }, check_supplement: { stage: 'A' }, supplement: { stage: 'B' }, start: { stage: 'S' } } })
      .filter((item) => item.kind === 'stage')
      .map((item) => (item.kind === 'stage' ? item.stage : ''))
    expect(stages).toEqual(['A', 'B', 'A'])
  })
})

describe('missing material', () => {
  it('lists each missing item by name with the caseworker’s note', () => {
    const labels = choiceLabels(supplementForm)
    const missing = [{ material: 'hardship_statement', detail: '须签字 / Must be signed' }, { material: 'case_documents' }, '身份证复印件']
    expect(missingList(missing, labels, 'zh')).toEqual([
      { label: '经济困难状况说明', detail: '须签字' },
      { label: '案件相关材料', detail: '' },
      { label: '身份证复印件', detail: '' },
    ])
    expect(missingList(missing, labels, 'en')[0]).toEqual({ label: 'Statement of financial hardship', detail: 'Must be signed' })
    expect(missingList(undefined, labels, 'zh')).toEqual([])
  })
})
