import { BpmnModdle } from 'bpmn-moddle'
import { describe, expect, it } from 'vitest'

import spiffworkflow from './bpmn/spiffworkflow.json'
import { decisionsIn, processIds, startFormOf } from './files'
import { newDecisionXml, newProcessXml, PROCESS_KEY } from './template'

function parse(xml: string): Document {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  expect(doc.getElementsByTagName('parsererror')).toHaveLength(0)
  return doc
}

describe('the new-process template', () => {
  it('is well-formed XML with an executable process named by the key', () => {
    const doc = parse(newProcessXml('legal_review', '法律审查 / Legal review'))
    const process = doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', 'process')[0]
    expect(process.getAttribute('id')).toBe('legal_review')
    expect(process.getAttribute('isExecutable')).toBe('true')
    expect(process.getAttribute('name')).toBe('法律审查 / Legal review')
    expect(processIds(newProcessXml('legal_review', 'x'))).toEqual([{ id: 'legal_review', name: 'x' }])
  })

  it('has a start event in a caseworker lane, each with a shape', () => {
    const doc = parse(newProcessXml('legal_review', 'x'))
    const start = doc.getElementsByTagNameNS('*', 'startEvent')[0]
    expect(start.getAttribute('id')).toBe('start')
    const lane = doc.getElementsByTagNameNS('*', 'lane')[0]
    expect(lane.getAttribute('name')).toBe('caseworker')
    expect(lane.getElementsByTagNameNS('*', 'flowNodeRef')[0].textContent).toBe('start')
    const shapes = Array.from(doc.getElementsByTagNameNS('*', 'BPMNShape')).map((shape) => shape.getAttribute('bpmnElement'))
    expect(shapes).toEqual(expect.arrayContaining(['start', lane.getAttribute('id'), 'Participant_legal_review']))
  })

  it('escapes the name and refuses a key that is no process id', () => {
    const doc = parse(newProcessXml('a_b', 'A & B <"x">'))
    expect(doc.getElementsByTagNameNS('*', 'process')[0].getAttribute('name')).toBe('A & B <"x">')
    expect(() => newProcessXml('1abc', 'x')).toThrow()
    expect(() => newProcessXml('has space', 'x')).toThrow()
    expect(PROCESS_KEY.test('complaint')).toBe(true)
    expect(PROCESS_KEY.test('投诉')).toBe(false)
  })

  it('reads cleanly into the BPMN model bpmn-js uses, with no start form yet', async () => {
    const moddle = new BpmnModdle({ spiffworkflow })
    const { rootElement, warnings } = await moddle.fromXML(newProcessXml('legal_review', 'x'))
    expect(warnings).toEqual([])
    const process = rootElement.rootElements.find((e: { $type: string }) => e.$type === 'bpmn:Process')
    expect(process.id).toBe('legal_review')
    expect(startFormOf(newProcessXml('legal_review', 'x'), 'legal_review')).toEqual({ form: undefined, uiForm: undefined })
  })

  it('gives a new decision table its id', () => {
    const xml = newDecisionXml('risk_level', '风险等级 / Risk level')
    parse(xml)
    expect(decisionsIn(xml)).toEqual([{ id: 'risk_level', name: '风险等级 / Risk level' }])
  })
})
