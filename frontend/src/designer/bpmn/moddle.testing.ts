/** Tests' stand-in for bpmn-js: a diagram read with the spiffworkflow moddle, its elements by id,
 * and the panel's commands applied as bpmn-js's element.updateModdleProperties would. */
import { BpmnModdle } from 'bpmn-moddle'
import { expect } from 'vitest'

import type { Command, ModdleElement } from './extensions'
import spiffworkflow from './spiffworkflow.json'

export async function loadDiagram(source: string) {
  const moddle = new BpmnModdle({ spiffworkflow })
  const { rootElement, warnings } = await moddle.fromXML(source)
  expect(warnings).toEqual([])
  const process = rootElement.rootElements[0]
  const byId = (id: string) => process.flowElements.find((e: ModdleElement) => e.id === id) as ModdleElement
  const create = (type: string, attrs: Record<string, unknown>) => moddle.create(type, attrs) as ModdleElement
  const run = (commands: Command[]) => {
    for (const { context } of commands) for (const [key, value] of Object.entries(context.properties)) context.moddleElement.set(key, value)
  }
  const xml = async () => (await moddle.toXML(rootElement, { format: true })).xml
  return { byId, create, run, xml }
}
