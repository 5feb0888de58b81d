import { describe, expect, it } from 'vitest'

import type { HistoryEvent } from '../app/types'
import { consoleQuery } from './ConsolePage'
import { parseValue } from './CaseActions'
import { describeEvent, eventNote } from './history'
import { operationBody, operationButtons } from './operations'

function event(action: string, detail: Record<string, unknown>): HistoryEvent {
  return { id: 1, action, actor: null, task: 7, created_at: '2026-03-09T09:00:00+08:00', detail }
}

describe('task operation buttons', () => {
  it('offers only what the server allows, in a fixed order, without claim or complete', () => {
    expect(operationButtons(['complete', 'urge', 'transfer', 'claim', 'return', 'comment'])).toEqual(['return', 'transfer', 'urge'])
    expect(operationButtons(undefined)).toEqual([])
  })

  it('sends a person, a list of people or a step, with the words each operation asks for', () => {
    expect(operationBody('transfer', { to: 'caseworker2', text: ' 休假 ' })).toEqual({ to: 'caseworker2', reason: '休假' })
    expect(operationBody('copy', { to: 'reviewer' })).toEqual({ to: ['reviewer'], note: '' })
    expect(operationBody('consult', { to: ['reviewer', 'director'], text: '可否受理?' })).toEqual({
      to: ['reviewer', 'director'],
      question: '可否受理?',
    })
    expect(operationBody('return', { to: 'check_completeness', text: '缺材料' })).toEqual({ to: 'check_completeness', reason: '缺材料' })
    expect(operationBody('withdraw', {})).toEqual({})
  })

  it('hands the form back with a delegated task', () => {
    expect(operationBody('resolve', { text: '已核实' }, { complete: true })).toEqual({ comment: '已核实', data: { complete: true } })
    expect(operationBody('resolve', { text: '已核实' }, {})).toEqual({ comment: '已核实' })
  })
})

describe('the history of a case in words', () => {
  it('says who a task went to and why', () => {
    expect(eventNote(event('task.transferred', { from: 'caseworker', to: 'caseworker2', reason: '休假 / On leave' }))).toBe('→ caseworker2 · 休假 / On leave')
    expect(eventNote(event('task.copied', { to: ['reviewer', 'director'], note: '' }))).toBe('→ reviewer、director')
  })

  it('names the step a case was sent back to', () => {
    const names = { check_completeness: '审查材料是否齐全 / Check the materials are complete' }
    const words = describeEvent(event('task.returned', { to: 'check_completeness', reason: '缺少收入证明' }), names, new Map())
    expect(words.actionKey).toBe('action.task_returned')
    expect(words.note).toBe('→ 审查材料是否齐全 / Check the materials are complete · 缺少收入证明')
  })

  it('shows an opinion given with a completion, not the form data', () => {
    expect(eventNote(event('task.completed', { submitted: { note: 'x' }, comment: '同意' }))).toBe('同意')
    expect(eventNote(event('task.completed', { submitted: {} }))).toBe('')
  })
})

describe('the operations console', () => {
  it('asks the server only for the filters that are set', () => {
    expect(consoleQuery({})).toEqual({})
    expect(consoleQuery({ process: 'legal_aid_application', version: 2, status: 'incident', stage: ' 审查 ', overdue: true, within: 'LN-SY' })).toEqual({
      process: 'legal_aid_application',
      version: 2,
      status: 'incident',
      stage: '审查',
      overdue: true,
      within: 'LN-SY',
    })
  })

  it('reads a corrected value as JSON, else as text', () => {
    expect(parseValue('true')).toBe(true)
    expect(parseValue('{"a": 1}')).toEqual({ a: 1 })
    expect(parseValue('张三')).toBe('张三')
  })
})
