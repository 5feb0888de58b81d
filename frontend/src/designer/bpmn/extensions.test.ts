import { describe, expect, it } from 'vitest'

import { laneOf, spiffBody, spiffBodyCommands, spiffProperties, spiffProperty, spiffPropertyCommands } from './extensions'
import { loadDiagram } from './moddle.testing'

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="Lane_reviewer" name="reviewer"><bpmn:flowNodeRef>decide</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:userTask id="decide" name="决定 / Decide">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="decide.schema.json"/>
          <spiffworkflow:property name="dueDate" value="decision_due"/>
        </spiffworkflow:properties>
        <spiffworkflow:postScript>step_opened_at = now()</spiffworkflow:postScript>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="plain" name="plain"/>
    <bpmn:serviceTask id="svc">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="identity.check" resultVariable="id_check">
          <spiffworkflow:parameters><spiffworkflow:parameter id="id_number" type="str" value="id_number"/></spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:businessRuleTask id="rule"><bpmn:extensionElements><spiffworkflow:calledDecisionId>complaint_prescreen</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>
  </bpmn:process>
</bpmn:definitions>`

const load = () => loadDiagram(XML)

describe('Lexflow extension properties', () => {
  it('reads spiff properties, body extensions and the lane', async () => {
    const { byId } = await load()
    expect(spiffProperties(byId('decide'))).toEqual({ formJsonSchemaFilename: 'decide.schema.json', dueDate: 'decision_due' })
    expect(spiffBody(byId('decide'), 'spiffworkflow:PostScript')).toBe('step_opened_at = now()')
    expect(spiffBody(byId('rule'), 'spiffworkflow:CalledDecisionId')).toBe('complaint_prescreen')
    expect(laneOf(byId('decide'))).toBe('reviewer')
    expect(laneOf(byId('plain'))).toBeUndefined()
  })

  it('changes, adds and removes a property', async () => {
    const { byId, create, run, xml } = await load()
    const task = byId('decide')
    run(spiffPropertyCommands(null, task, 'dueDate', 'other_due', create))
    run(spiffPropertyCommands(null, task, 'priority', '90 if green_channel else 50', create))
    run(spiffPropertyCommands(null, task, 'formJsonSchemaFilename', '', create))
    expect(spiffProperties(task)).toEqual({ dueDate: 'other_due', priority: '90 if green_channel else 50' })
    const out = await xml()
    expect(out).toContain('<spiffworkflow:property name="priority" value="90 if green_channel else 50" />')
    expect(out).not.toContain('decide.schema.json')
  })

  it('creates the containers on an element without extensions, and removes them when emptied', async () => {
    const { byId, create, run, xml } = await load()
    const task = byId('plain')
    run(spiffPropertyCommands(null, task, 'candidateGroups', 'reviewer,director', create))
    expect(spiffProperty(task, 'candidateGroups')).toBe('reviewer,director')
    expect(await xml()).toMatch(/<bpmn:userTask id="plain" name="plain">\s*<bpmn:extensionElements>\s*<spiffworkflow:properties>\s*<spiffworkflow:property name="candidateGroups"/)
    run(spiffPropertyCommands(null, task, 'candidateGroups', '', create))
    expect(task.get('extensionElements')).toBeUndefined()
    expect(await xml()).toContain('<bpmn:userTask id="plain" name="plain" />')
  })

  it('sets and clears pre/post scripts and the called decision', async () => {
    const { byId, create, run, xml } = await load()
    run(spiffBodyCommands(null, byId('plain'), 'spiffworkflow:PreScript', 'x = 1', create))
    run(spiffBodyCommands(null, byId('rule'), 'spiffworkflow:CalledDecisionId', 'other_decision', create))
    run(spiffBodyCommands(null, byId('decide'), 'spiffworkflow:PostScript', '', create))
    const out = await xml()
    expect(out).toContain('<spiffworkflow:preScript>x = 1</spiffworkflow:preScript>')
    expect(out).toContain('<spiffworkflow:calledDecisionId>other_decision</spiffworkflow:calledDecisionId>')
    expect(out).not.toContain('postScript')
    // the other extensions of that task are kept
    expect(out).toContain('<spiffworkflow:property name="dueDate" value="decision_due" />')
  })

  it('keeps service task operators and their parameters through a round trip', async () => {
    const { xml } = await load()
    const out = await xml()
    expect(out).toMatch(/<spiffworkflow:serviceTaskOperator id="identity.check" resultVariable="id_check">\s*<spiffworkflow:parameters>\s*<spiffworkflow:parameter id="id_number" type="str" value="id_number" \/>/)
  })
})
