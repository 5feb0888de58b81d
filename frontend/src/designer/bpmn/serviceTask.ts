/**
 * A service task's call as Lexflow reads it (bpmn/README.md, "Service tasks"):
 *
 *   <spiffworkflow:serviceTaskOperator id="identity.check" resultVariable="id_check">
 *     <spiffworkflow:parameters>
 *       <spiffworkflow:parameter id="id_number" type="any" value="id_number"/>
 *     </spiffworkflow:parameters>
 *   </spiffworkflow:serviceTaskOperator>
 *
 * The operator names a service the server registered (GET /processes/service-operators); each
 * parameter's value is a Python expression over the case data. Writes are bpmn-js commands, as in
 * `extensions.ts`, so one edit is one undo step. The `parameters` element is always written, even
 * empty: SpiffWorkflow's schema requires it.
 */
import type { ServiceOperatorInfo } from '../api'
import { ensureExtensionElements, type Command, type CreateElement, type ModdleElement } from './extensions'

const OPERATOR = 'spiffworkflow:ServiceTaskOperator'

/** New parameters get this type; Lexflow passes values to the handler as they evaluate. */
export const PARAMETER_TYPE = 'any'

export function serviceOperatorOf(bo: ModdleElement | undefined): ModdleElement | undefined {
  const values = (bo?.get?.('extensionElements')?.get('values') as ModdleElement[] | undefined) ?? []
  return values.find((value) => value.$type === OPERATOR)
}

/** The operator's service name ('' when none is chosen). */
export function serviceName(bo: ModdleElement | undefined): string {
  return ((serviceOperatorOf(bo)?.get('id') as string | undefined) ?? '').trim()
}

export function serviceParameters(bo: ModdleElement | undefined): ModdleElement[] {
  const list = serviceOperatorOf(bo)?.get('parameterList') as ModdleElement | undefined
  return (list?.get('parameters') as ModdleElement[] | undefined) ?? []
}

export const parameterName = (parameter: ModdleElement) => ((parameter.get('id') as string | undefined) ?? '').trim()

function newParameter(create: CreateElement, parent: ModdleElement, name: string): ModdleElement {
  // The value defaults to the parameter's name: the case data usually has a field of that name.
  const parameter = create('spiffworkflow:Parameter', { id: name, type: PARAMETER_TYPE, value: name })
  parameter.$parent = parent
  return parameter
}

function newParameterList(create: CreateElement, operator: ModdleElement, names: string[]): ModdleElement {
  const list = create('spiffworkflow:Parameters', { parameters: [] })
  list.$parent = operator
  list.set('parameters', names.map((name) => newParameter(create, list, name)))
  return list
}

/** Creates the operator (with its parameters element) when the task has none yet. */
function createOperator(element: unknown, bo: ModdleElement, attrs: Record<string, unknown>, parameters: string[], create: CreateElement): Command[] {
  const { commands, extensionElements } = ensureExtensionElements(element, bo, create)
  const operator = create(OPERATOR, attrs)
  operator.$parent = extensionElements
  operator.set('parameterList', newParameterList(create, operator, parameters))
  commands.push({
    cmd: 'element.updateModdleProperties',
    context: { element, moddleElement: extensionElements, properties: { values: [...((extensionElements.get('values') as ModdleElement[]) ?? []), operator] } },
  })
  return commands
}

/**
 * Choose the service the task calls. Its required parameters that the task does not pass yet are
 * added (value: the parameter's name); parameters the chosen service does not read are dropped,
 * as they would only be refused at deploy. Parameters both services read keep their values.
 */
export function chooseServiceCommands(
  element: unknown,
  bo: ModdleElement,
  name: string,
  operators: ServiceOperatorInfo[],
  create: CreateElement,
): Command[] {
  const chosen = operators.find((operator) => operator.name === name)
  const operator = serviceOperatorOf(bo)
  if (!operator) return name ? createOperator(element, bo, { id: name }, chosen?.required ?? [], create) : []
  const commands: Command[] = [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: operator, properties: { id: name || undefined } } }]
  if (!chosen) return commands
  const list = operator.get('parameterList') as ModdleElement | undefined
  if (!list) {
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: operator, properties: { parameterList: newParameterList(create, operator, chosen.required) } } })
    return commands
  }
  const reads = [...chosen.required, ...chosen.optional]
  const current = serviceParameters(bo)
  const kept = current.filter((parameter) => reads.includes(parameterName(parameter)))
  const added = chosen.required.filter((needed) => !kept.some((parameter) => parameterName(parameter) === needed)).map((needed) => newParameter(create, list, needed))
  if (added.length || kept.length !== current.length) {
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement: list, properties: { parameters: [...kept, ...added] } } })
  }
  return commands
}

/** Sets (or, empty, removes) the data variable the service's result goes into. */
export function resultVariableCommands(element: unknown, bo: ModdleElement, value: string, create: CreateElement): Command[] {
  const operator = serviceOperatorOf(bo)
  const text = value.trim()
  if (operator) return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: operator, properties: { resultVariable: text || undefined } } }]
  return text ? createOperator(element, bo, { resultVariable: text }, [], create) : []
}

/**
 * The name a new parameter gets: the first parameter the service reads that the task does not
 * pass yet (required ones first), else parameter_1, parameter_2…
 */
export function nextParameterName(bo: ModdleElement, operator: ServiceOperatorInfo | undefined): string {
  const taken = new Set(serviceParameters(bo).map(parameterName))
  const declared = operator ? [...operator.required, ...operator.optional] : []
  const free = declared.find((name) => !taken.has(name))
  if (free) return free
  let n = 1
  while (taken.has(`parameter_${n}`)) n += 1
  return `parameter_${n}`
}

/** Adds one parameter (named by `nextParameterName`) to a task that has an operator. */
export function addParameterCommands(
  element: unknown,
  bo: ModdleElement,
  operators: ServiceOperatorInfo[],
  create: CreateElement,
): Command[] {
  const operator = serviceOperatorOf(bo)
  const info = operators.find((candidate) => candidate.name === serviceName(bo))
  const name = nextParameterName(bo, info)
  if (!operator) return createOperator(element, bo, {}, [name], create)
  const list = operator.get('parameterList') as ModdleElement | undefined
  if (!list) {
    return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: operator, properties: { parameterList: newParameterList(create, operator, [name]) } } }]
  }
  const parameter = newParameter(create, list, name)
  return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: list, properties: { parameters: [...serviceParameters(bo), parameter] } } }]
}

/** Removes one parameter; the (possibly empty) parameters element stays. */
export function removeParameterCommands(element: unknown, bo: ModdleElement, parameter: ModdleElement): Command[] {
  const list = serviceOperatorOf(bo)?.get('parameterList') as ModdleElement | undefined
  if (!list) return []
  const rest = serviceParameters(bo).filter((item) => item !== parameter)
  return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: list, properties: { parameters: rest } } }]
}

/** Renames a parameter or changes its value expression. */
export function updateParameterCommands(element: unknown, parameter: ModdleElement, properties: { id?: string; value?: string }): Command[] {
  return [{ cmd: 'element.updateModdleProperties', context: { element, moddleElement: parameter, properties } }]
}

export interface ServiceProblems {
  /** no service chosen, or one this server does not have (null: fine, or the list is not loaded) */
  service: 'missing' | 'unknown' | null
  /** required parameters the task does not pass */
  missing: string[]
  /** parameter names the service does not read */
  unread: string[]
  /** parameter names given more than once */
  duplicates: string[]
}

/** What the server would refuse in this task's call, as far as the browser can tell. */
export function serviceProblems(bo: ModdleElement, operators: ServiceOperatorInfo[] | undefined): ServiceProblems {
  const name = serviceName(bo)
  const names = serviceParameters(bo).map(parameterName).filter(Boolean)
  const duplicates = [...new Set(names.filter((item, index) => names.indexOf(item) !== index))]
  const info = operators?.find((operator) => operator.name === name)
  const service = !name ? 'missing' : operators && !info ? 'unknown' : null
  if (!info) return { service, missing: [], unread: [], duplicates }
  const reads = [...info.required, ...info.optional]
  return {
    service,
    missing: info.required.filter((needed) => !names.includes(needed)),
    unread: [...new Set(names.filter((item) => !reads.includes(item)))],
    duplicates,
  }
}
