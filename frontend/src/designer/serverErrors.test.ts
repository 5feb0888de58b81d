import { describe, expect, it } from 'vitest'

import { deployErrorsOf, errorLocation, placeErrors, type DeployError } from './serverErrors'

const diagram = (file: string, id: string) => file === 'complaint.bpmn' && ['check_eligibility', 'is_eligible'].includes(id)

const errors: DeployError[] = [
  { file: 'complaint.bpmn', line: 161, element_id: 'check_eligibility', tag: 'userTask', message: "form file 'nope.schema.json' is not in the package" },
  { file: 'complaint.bpmn', line: 170, element_id: 'check_eligibility', tag: 'userTask', message: 'due date expression is empty' },
  { file: 'complaint.bpmn', line: 12, element_id: 'gone_task', tag: 'userTask', message: 'an element the diagram no longer has' },
  { file: 'prescreen.dmn', line: 40, element_id: 'Rule_1', tag: 'rule', message: "DMN cell 'x ==': invalid syntax" },
  { file: 'accept.schema.json', line: 3, element_id: null, tag: null, message: 'invalid JSON: Expecting value' },
  { file: '(package)', line: null, element_id: null, tag: null, message: 'package is larger than 20 MiB' },
]

describe('placing server validation errors', () => {
  it('puts errors of a diagram element on that element, grouped by file and id', () => {
    const placed = placeErrors(errors, diagram)
    expect(Object.keys(placed.byElement)).toEqual(['complaint.bpmn'])
    expect(placed.byElement['complaint.bpmn'].check_eligibility.map((e) => e.line)).toEqual([161, 170])
  })

  it('keeps every error in the list, flagging which ones are on an element', () => {
    const placed = placeErrors(errors, diagram)
    expect(placed.all).toHaveLength(errors.length)
    expect(placed.all.map((e) => e.onElement)).toEqual([true, true, false, false, false, false])
  })

  it('leaves errors whose element is not in the open diagram (or in a DMN or form file) off the diagram', () => {
    const placed = placeErrors(errors, diagram)
    expect(placed.byElement['complaint.bpmn'].gone_task).toBeUndefined()
    expect(placed.byElement['prescreen.dmn']).toBeUndefined()
  })

  it('says where an error is as file:line and element', () => {
    expect(errorLocation(errors[0])).toBe('complaint.bpmn:161 <userTask id=check_eligibility>')
    expect(errorLocation(errors[4])).toBe('accept.schema.json:3')
    expect(errorLocation(errors[5])).toBe('(package)')
  })

  it('reads deploy_errors from a 400 deploy response and nothing from other bodies', () => {
    const body = { status: 400, detail: '1 problem(s) found', deploy_errors: [errors[0]] }
    expect(deployErrorsOf(body)).toEqual([errors[0]])
    expect(deployErrorsOf({ detail: 'Forbidden' })).toBeNull()
    expect(deployErrorsOf(null)).toBeNull()
  })
})
