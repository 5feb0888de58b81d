/**
 * Reading and writing what Lexflow reads from a diagram (bpmn/README.md): spiffworkflow
 * extension properties (`<spiffworkflow:properties><spiffworkflow:property name value/>`) and
 * the body elements `preScript`, `postScript`, `calledDecisionId`.
 *
 * Writes are returned as bpmn-js commands (`element.updateModdleProperties`), executed together
 * through the properties panel's multi-command executor, so one edit is one undo step.
 */

export interface ModdleElement {
  $type: string
  $parent?: ModdleElement
  get(name: string): any
  set(name: string, value: unknown): void
  [key: string]: any
}

export type CreateElement = (type: string, attrs: Record<string, unknown>) => ModdleElement

export interface Command {
  cmd: 'element.updateModdleProperties'
  context: { element: unknown; moddleElement: ModdleElement; properties: Record<string, unknown> }
}

export const SPIFF_NS = 'http://spiffworkflow.org/bpmn/schema/1.0/core'

function extensionValues(bo: ModdleElement | undefined): ModdleElement[] {
  const extensionElements = bo?.get?.('extensionElements') as ModdleElement | undefined
  return (extensionElements?.get('values') as ModdleElement[] | undefined) ?? []
}

function propertiesElement(bo: ModdleElement | undefined): ModdleElement | undefined {
  return extensionValues(bo).find((value) => value.$type === 'spiffworkflow:Properties')
}

/** All spiff properties of an element, name -> value. */
export function spiffProperties(bo: ModdleElement | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const property of (propertiesElement(bo)?.get('properties') as ModdleElement[] | undefined) ?? []) {
    const name = property.get('name') as string | undefined
    if (name) out[name] = (property.get('value') as string | undefined) ?? ''
  }
  return out
}

export function spiffProperty(bo: ModdleElement | undefined, name: string): string | undefined {
  return spiffProperties(bo)[name]
}

function create(createElement: CreateElement, type: string, attrs: Record<string, unknown>, parent: ModdleElement) {
  const element = createElement(type, attrs)
  element.$parent = parent
  return element
}

/** The commands that make sure `bo` has extensionElements; returns them and the container. */
export function ensureExtensionElements(element: unknown, bo: ModdleElement, createElement: CreateElement) {
  const commands: Command[] = []
  let extensionElements = bo.get('extensionElements') as ModdleElement | undefined
  if (!extensionElements) {
    extensionElements = create(createElement, 'bpmn:ExtensionElements', { values: [] }, bo)
    commands.push({
      cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: bo, properties: { extensionElements } },
    })
  }
  return { commands, extensionElements }
}

/**
 * Sets (or, for an empty value, removes) one spiff property. Empty containers left behind are
 * removed too, so clearing the last property leaves the XML as it was before.
 */
export function spiffPropertyCommands(
  element: unknown,
  bo: ModdleElement,
  name: string,
  value: string | undefined,
  createElement: CreateElement,
): Command[] {
  const text = (value ?? '').trim() === '' ? '' : (value as string)
  const container = propertiesElement(bo)
  const existing = ((container?.get('properties') as ModdleElement[] | undefined) ?? []).find(
    (property) => property.get('name') === name,
  )
  if (!text) {
    if (!container || !existing) return []
    const rest = (container.get('properties') as ModdleElement[]).filter((property) => property !== existing)
    if (rest.length) {
      return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: container, properties: { properties: rest } } }]
    }
    return removeExtensionValue(element, bo, container)
  }
  if (existing) {
    return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: existing, properties: { value: text } } }]
  }
  const { commands, extensionElements } = ensureExtensionElements(element, bo, createElement)
  let properties = container
  if (!properties) {
    properties = create(createElement, 'spiffworkflow:Properties', { properties: [] }, extensionElements)
    commands.push({
      cmd: 'element.updateModdleProperties',
      context: {
        element,
        moddleElement: extensionElements,
        properties: { values: [...((extensionElements.get('values') as ModdleElement[]) ?? []), properties] },
      },
    })
  }
  const property = create(createElement, 'spiffworkflow:Property', { name, value: text }, properties)
  commands.push({
    cmd: 'element.updateModdleProperties',
    context: {
      element,
      moddleElement: properties,
      properties: { properties: [...((properties.get('properties') as ModdleElement[]) ?? []), property] },
    },
  })
  return commands
}

export type BodyType = 'spiffworkflow:PreScript' | 'spiffworkflow:PostScript' | 'spiffworkflow:CalledDecisionId'

/** The text of a body extension (`<spiffworkflow:preScript>…</…>`). */
export function spiffBody(bo: ModdleElement | undefined, type: BodyType): string | undefined {
  const found = extensionValues(bo).find((value) => value.$type === type)
  return found ? ((found.get('value') as string | undefined) ?? '') : undefined
}

function removeExtensionValue(element: unknown, bo: ModdleElement, value: ModdleElement): Command[] {
  const extensionElements = bo.get('extensionElements') as ModdleElement
  const rest = (extensionElements.get('values') as ModdleElement[]).filter((item) => item !== value)
  return [
    rest.length
      ? { cmd: 'element.updateModdleProperties', context: { element, moddleElement: extensionElements, properties: { values: rest } } }
      : { cmd: 'element.updateModdleProperties', context: { element, moddleElement: bo, properties: { extensionElements: undefined } } },
  ]
}

export function spiffBodyCommands(
  element: unknown,
  bo: ModdleElement,
  type: BodyType,
  value: string | undefined,
  createElement: CreateElement,
): Command[] {
  const text = (value ?? '').trim() === '' ? '' : (value as string)
  const existing = extensionValues(bo).find((item) => item.$type === type)
  if (!text) return existing ? removeExtensionValue(element, bo, existing) : []
  if (existing) {
    return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: existing, properties: { value: text } } }]
  }
  const { commands, extensionElements } = ensureExtensionElements(element, bo, createElement)
  const body = create(createElement, type, { value: text }, extensionElements)
  commands.push({
    cmd: 'element.updateModdleProperties',
    context: {
      element,
      moddleElement: extensionElements,
      properties: { values: [...((extensionElements.get('values') as ModdleElement[]) ?? []), body] },
    },
  })
  return commands
}

/** The innermost lane holding a flow node (its role), searching the laneSets of its process. */
export function laneOf(bo: ModdleElement | undefined): string | undefined {
  const container = bo?.$parent
  if (!bo || !container) return undefined
  let found: string | undefined
  const visit = (laneSets: ModdleElement[] | undefined) => {
    for (const laneSet of laneSets ?? []) {
      for (const lane of (laneSet.get('lanes') as ModdleElement[] | undefined) ?? []) {
        const refs = (lane.get('flowNodeRef') as ModdleElement[] | undefined) ?? []
        if (refs.includes(bo)) found = (lane.get('name') as string | undefined) ?? found
        const child = lane.get('childLaneSet') as ModdleElement | undefined
        if (child) visit([child])
      }
    }
  }
  visit(container.get?.('laneSets') as ModdleElement[] | undefined)
  return found
}
