import { BpmnModdle } from 'bpmn-moddle'
import { Linter } from 'bpmnlint'
import { describe, expect, it } from 'vitest'

import { newProcessXml } from '../template'
import { lintConfig, lintResolver } from './lint'
import spiffworkflow from './spiffworkflow.json'

async function lint(xml: string) {
  const { rootElement } = await new BpmnModdle({ spiffworkflow }).fromXML(xml)
  const linter = new Linter({ config: lintConfig, resolver: lintResolver })
  const results = (await linter.lint(rootElement)) as Record<string, { id: string; message: string; category: string }[]>
  return Object.entries(results).flatMap(([rule, reports]) => reports.map((report) => ({ rule, ...report })))
}

const withTask = (task: string) =>
  newProcessXml('p1', 'x').replace('<bpmn:startEvent id="start" name="开始 / Start" />', `<bpmn:startEvent id="start" name="开始 / Start" />${task}`)

describe('in-browser lint', () => {
  it('resolves every configured rule (bpmnlint and Lexflow)', async () => {
    const reports = await lint(newProcessXml('p1', 'x'))
    expect(reports.filter((report) => report.category === 'rule-error')).toEqual([])
    // an empty diagram has no end event yet
    expect(reports.map((report) => report.rule)).toContain('end-event-required')
  })

  it('flags a user task outside any lane and without candidate groups', async () => {
    const reports = await lint(withTask('<bpmn:userTask id="t1" name="审核 / Review" />'))
    expect(reports).toContainEqual(expect.objectContaining({ rule: 'lexflow/human-task-role', id: 't1' }))
  })

  it('accepts candidate groups instead of a lane', async () => {
    const reports = await lint(
      withTask(
        '<bpmn:userTask id="t1" name="n"><bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="candidateGroups" value="reviewer" /></spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>',
      ),
    )
    expect(reports.filter((report) => report.rule === 'lexflow/human-task-role')).toEqual([])
  })

  it('wants timer expressions quoted, as they are Python', async () => {
    const reports = await lint(
      withTask(
        '<bpmn:intermediateCatchEvent id="wait" name="w"><bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">P7D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      ),
    )
    expect(reports).toContainEqual(expect.objectContaining({ rule: 'lexflow/timer-quoted', id: 'wait' }))
  })

  it('wants a service task to name its service', async () => {
    const reports = await lint(
      withTask(
        '<bpmn:serviceTask id="none" name="n" /><bpmn:serviceTask id="named" name="m"><bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="identity.check"><spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>',
      ),
    )
    expect(reports.filter((report) => report.rule === 'lexflow/service-named').map((report) => report.id)).toEqual(['none'])
  })

  it('wants a business rule task to name its decision', async () => {
    const reports = await lint(withTask('<bpmn:businessRuleTask id="br" name="b" />'))
    expect(reports).toContainEqual(expect.objectContaining({ rule: 'lexflow/decision-named', id: 'br' }))
  })
})
