import { describe, expect, it } from 'vitest'

import type { ServiceOperatorInfo } from '../api'
import type { ModdleElement } from './extensions'
import {
  addParameterCommands,
  chooseServiceCommands,
  nextParameterName,
  parameterName,
  removeParameterCommands,
  resultVariableCommands,
  serviceName,
  serviceParameters,
  serviceProblems,
  updateParameterCommands,
} from './serviceTask'
import { loadDiagram } from './moddle.testing'

const OPERATORS: ServiceOperatorInfo[] = [
  { name: 'identity.check', description: '核验身份证号码 / Check a resident ID number', required: ['id_number'], optional: [] },
  {
    name: 'complaints.repeat_check',
    description: '查找已答复的同一投诉 / Find the same complaint already answered',
    required: ['target_name'],
    optional: ['id_number', 'contact_phone'],
  },
]

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:serviceTask id="svc">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="identity.check" resultVariable="id_check">
          <spiffworkflow:parameters><spiffworkflow:parameter id="id_number" type="str" value="applicant['id_number']"/></spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="blank" name="new" />
  </bpmn:process>
</bpmn:definitions>`

async function load() {
  const { byId, create, run, xml } = await loadDiagram(XML)
  const task = async (id: string) => {
    const out = await xml()
    const start = out.indexOf(`<bpmn:serviceTask id="${id}"`)
    return out.slice(start, out.indexOf('</bpmn:serviceTask>', start) + '</bpmn:serviceTask>'.length)
  }
  return { byId, create, run, task }
}

const params = (bo: ModdleElement) => serviceParameters(bo).map((p) => [parameterName(p), p.get('value') as string])

describe('service task calls in the properties panel', () => {
  it('reads the service and its parameters', async () => {
    const { byId } = await load()
    expect(serviceName(byId('svc'))).toBe('identity.check')
    expect(params(byId('svc'))).toEqual([['id_number', "applicant['id_number']"]])
    expect(serviceName(byId('blank'))).toBe('')
    expect(serviceParameters(byId('blank'))).toEqual([])
  })

  it('choosing a service on a new task writes the operator with its required parameters', async () => {
    const { byId, create, run, task } = await load()
    run(chooseServiceCommands(null, byId('blank'), 'complaints.repeat_check', OPERATORS, create))
    expect(await task('blank')).toMatch(
      /<spiffworkflow:serviceTaskOperator id="complaints.repeat_check">\s*<spiffworkflow:parameters>\s*<spiffworkflow:parameter id="target_name" type="any" value="target_name" \/>\s*<\/spiffworkflow:parameters>/,
    )
    expect(serviceProblems(byId('blank'), OPERATORS)).toEqual({ service: null, missing: [], unread: [], duplicates: [] })
  })

  it('changing the service keeps the parameters both read, adds the missing and drops the unread', async () => {
    const { byId, create, run, task } = await load()
    const svc = byId('svc')
    run(addParameterCommands(null, svc, OPERATORS, create)) // identity.check reads nothing more: parameter_1
    expect(params(svc).map(([name]) => name)).toEqual(['id_number', 'parameter_1'])
    run(chooseServiceCommands(null, svc, 'complaints.repeat_check', OPERATORS, create))
    expect(params(svc)).toEqual([
      ['id_number', "applicant['id_number']"], // its value kept
      ['target_name', 'target_name'],
    ])
    const out = await task('svc')
    expect(out).toContain('<spiffworkflow:serviceTaskOperator id="complaints.repeat_check" resultVariable="id_check">')
    expect(out).not.toContain('parameter_1')
  })

  it('adds, edits and removes parameters, keeping the (empty) parameters element', async () => {
    const { byId, create, run, task } = await load()
    const svc = byId('svc')
    run(chooseServiceCommands(null, svc, 'complaints.repeat_check', OPERATORS, create))
    // offered next: the optional parameters the task does not pass yet
    expect(nextParameterName(svc, OPERATORS[1])).toBe('contact_phone')
    run(addParameterCommands(null, svc, OPERATORS, create))
    const phone = serviceParameters(svc)[2]
    run(updateParameterCommands(null, phone, { value: 'contact.get("phone", "")' }))
    expect(await task('svc')).toContain('<spiffworkflow:parameter id="contact_phone" type="any" value="contact.get(&#34;phone&#34;, &#34;&#34;)" />')
    run(updateParameterCommands(null, phone, { id: 'phone' }))
    expect(serviceProblems(svc, OPERATORS).unread).toEqual(['phone'])

    for (const parameter of serviceParameters(svc)) run(removeParameterCommands(null, svc, parameter))
    const out = await task('svc')
    expect(out).not.toContain('<spiffworkflow:parameter ')
    expect(out).toMatch(/<spiffworkflow:serviceTaskOperator id="complaints.repeat_check" resultVariable="id_check">\s*<spiffworkflow:parameters \/>/)
    expect(serviceProblems(svc, OPERATORS)).toEqual({ service: null, missing: ['target_name'], unread: [], duplicates: [] })
  })

  it('says what the server would refuse: no service, an unknown one, a parameter twice', async () => {
    const { byId, create, run } = await load()
    expect(serviceProblems(byId('blank'), OPERATORS).service).toBe('missing')
    const svc = byId('svc')
    run(chooseServiceCommands(null, svc, 'identity.chek', OPERATORS, create))
    expect(serviceProblems(svc, OPERATORS).service).toBe('unknown')
    expect(serviceProblems(svc, undefined).service).toBeNull() // the list is not loaded: cannot tell
    run(chooseServiceCommands(null, svc, 'identity.check', OPERATORS, create))
    run(addParameterCommands(null, svc, OPERATORS, create))
    run(updateParameterCommands(null, serviceParameters(svc)[1], { id: 'id_number' }))
    expect(serviceProblems(svc, OPERATORS).duplicates).toEqual(['id_number'])
  })

  it('a result variable on a task without a service creates the operator with its parameters element', async () => {
    const { byId, create, run, task } = await load()
    run(resultVariableCommands(null, byId('blank'), 'lookup', create))
    expect(await task('blank')).toMatch(/<spiffworkflow:serviceTaskOperator resultVariable="lookup">\s*<spiffworkflow:parameters \/>/)
    run(resultVariableCommands(null, byId('svc'), '', create))
    expect(await task('svc')).toContain('<spiffworkflow:serviceTaskOperator id="identity.check">')
  })
})
