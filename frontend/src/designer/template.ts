/**
 * The empty diagram a new process starts from: one pool with a `caseworker` lane (lanes are
 * roles, so a user task dropped into it is offered to caseworkers) and a start event.
 */

/** A process key is the BPMN process id and part of URLs: a letter, then letters, digits, _ . */
export const PROCESS_KEY = /^[A-Za-z][A-Za-z0-9_]{1,63}$/

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
}

export function newProcessXml(key: string, name: string, lane = 'caseworker'): string {
  if (!PROCESS_KEY.test(key)) throw new Error(`not a process key: ${key}`)
  const n = escapeXml(name || key)
  const l = escapeXml(lane)
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_${key}" targetNamespace="https://lexflow.dev/bpmn">
  <bpmn:collaboration id="Collaboration_${key}">
    <bpmn:participant id="Participant_${key}" name="${n}" processRef="${key}" />
  </bpmn:collaboration>
  <bpmn:process id="${key}" name="${n}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_${key}">
      <bpmn:lane id="Lane_${l.replace(/\W/g, '_')}" name="${l}">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始 / Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_${key}">
    <bpmndi:BPMNPlane id="BPMNPlane_${key}" bpmnElement="Collaboration_${key}">
      <bpmndi:BPMNShape id="Participant_${key}_di" bpmnElement="Participant_${key}" isHorizontal="true">
        <dc:Bounds x="120" y="80" width="1000" height="260" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_${l.replace(/\W/g, '_')}_di" bpmnElement="Lane_${l.replace(/\W/g, '_')}" isHorizontal="true">
        <dc:Bounds x="150" y="80" width="970" height="260" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="212" y="192" width="36" height="36" />
        <bpmndi:BPMNLabel>
          <dc:Bounds x="196" y="235" width="68" height="14" />
        </bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`
}

/** A JSON-schema form to start from (bilingual titles, as the shipped forms). */
export function newFormSchema(title: string): string {
  return `${JSON.stringify(
    {
      type: 'object',
      title: title || '表单 / Form',
      required: ['comment'],
      properties: {
        comment: { type: 'string', title: '意见 / Comment', minLength: 1 },
      },
    },
    null,
    2,
  )}\n`
}

export function newUiSchema(): string {
  return `${JSON.stringify({ comment: { 'ui:widget': 'textarea' } }, null, 2)}\n`
}

/** A DMN 1.3 decision table with one input and one output, for a new business rule task. */
export function newDecisionXml(id: string, name: string): string {
  const n = escapeXml(name || id)
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_${id}" name="${n}" namespace="https://lexflow.dev/dmn">
  <decision id="${id}" name="${n}">
    <decisionTable id="DecisionTable_${id}" hitPolicy="UNIQUE">
      <input id="Input_${id}_1" label="输入 / Input">
        <inputExpression id="InputExpression_${id}_1" typeRef="string">
          <text>value</text>
        </inputExpression>
      </input>
      <output id="Output_${id}_1" label="结果 / Result" name="${id}_result" typeRef="string" />
      <rule id="Rule_${id}_1">
        <inputEntry id="Rule_${id}_1_in"><text>-</text></inputEntry>
        <outputEntry id="Rule_${id}_1_out"><text>"ok"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
`
}
