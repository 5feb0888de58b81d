/**
 * The "Lexflow" group of the properties panel: what Lexflow reads from a diagram
 * (bpmn/README.md) — role (lane) and candidate groups, form and UI form, assignee, due and
 * follow-up dates, priority, stage/milestone/document, scripts, the DMN decision of a business
 * rule task, the service a service task calls and its parameters, conditions, the data an
 * applicant may see. Timers are in the standard Timer group.
 *
 * The panel renders with preact (bundled in @bpmn-io/properties-panel), so these components use
 * `h` rather than JSX, and i18next directly rather than React hooks.
 */
import {
  CheckboxEntry,
  CollapsibleEntry,
  Group,
  ListEntry,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel'
import { h } from '@bpmn-io/properties-panel/preact'
import { useService } from 'bpmn-js-properties-panel'
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil'

import i18n, { currentLang } from '../../app/i18n'
import { pickLang } from '../../shared/bilingual'
import type { ServiceOperatorInfo } from '../api'
import { allDecisions, filesOfKind, type FileSet } from '../files'
import {
  laneOf,
  spiffBody,
  spiffBodyCommands,
  spiffProperty,
  spiffPropertyCommands,
  type BodyType,
  type Command,
  type ModdleElement,
} from './extensions'
import {
  addParameterCommands,
  chooseServiceCommands,
  parameterName,
  removeParameterCommands,
  resultVariableCommands,
  serviceName,
  serviceOperatorOf,
  serviceParameters,
  serviceProblems,
  updateParameterCommands,
} from './serviceTask'
import { actionsOf, TASK_ACTIONS, toggleAction, type TaskActionName } from './taskActions'

export interface LexflowContext {
  /** the package's current files: forms and decisions to pick from */
  getFiles: () => FileSet
  /** the services the server answers; undefined while loading or when they could not be fetched */
  getServiceOperators?: () => ServiceOperatorInfo[] | undefined
}

export const ROLES = ['applicant', 'caseworker', 'reviewer', 'director', 'lawyer', 'notary', 'mediator', 'supervisor']

const t = (key: string, options?: Record<string, unknown>) => i18n.t(`designer:panel.${key}`, options) as string

type Element = { id: string; type: string; businessObject: ModdleElement }

/** Process-level properties of a pool live on its process. */
function targetOf(element: Element): ModdleElement {
  const bo = getBusinessObject(element) as ModdleElement
  return is(element, 'bpmn:Participant') ? (bo.get('processRef') as ModdleElement) ?? bo : bo
}

function useExecute() {
  const commandStack = useService('commandStack')
  return (commands: Command[]) => {
    if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands)
  }
}

function useCreate() {
  const bpmnFactory = useService('bpmnFactory')
  return (type: string, attrs: Record<string, unknown>) => bpmnFactory.create(type, attrs) as ModdleElement
}

interface EntryProps {
  element: Element
  id: string
  name: string
  label: string
  description?: string
  placeholder?: string
}

function PropertyText(props: EntryProps) {
  const { element, id, name, label, description, placeholder } = props
  const execute = useExecute()
  const create = useCreate()
  const debounce = useService('debounceInput')
  return h(TextFieldEntry, {
    element,
    id,
    label,
    description,
    placeholder,
    debounce,
    getValue: () => spiffProperty(targetOf(element), name) ?? '',
    setValue: (value: string) => execute(spiffPropertyCommands(element, targetOf(element), name, value, create)),
  })
}

function PropertySelect(props: EntryProps & { kind: 'schema' | 'uischema' }) {
  const { element, id, name, label, description, kind } = props
  const execute = useExecute()
  const create = useCreate()
  const context = useService('config.lexflow') as LexflowContext | undefined
  return h(SelectEntry, {
    element,
    id,
    label,
    description,
    getValue: () => spiffProperty(targetOf(element), name) ?? '',
    setValue: (value: string) => execute(spiffPropertyCommands(element, targetOf(element), name, value, create)),
    getOptions: () => {
      const files = filesOfKind(context?.getFiles() ?? {}, kind)
      const current = spiffProperty(targetOf(element), name)
      const options = [{ value: '', label: t('none') }, ...files.map((file) => ({ value: file, label: file }))]
      if (current && !files.includes(current)) options.push({ value: current, label: `${current} ${t('missing')}` })
      return options
    },
  })
}

function BodyText(props: EntryProps & { type: BodyType }) {
  const { element, id, label, description, type } = props
  const execute = useExecute()
  const create = useCreate()
  const debounce = useService('debounceInput')
  return h(TextAreaEntry, {
    element,
    id,
    label,
    description,
    debounce,
    monospace: true,
    rows: 4,
    autoResize: true,
    getValue: () => spiffBody(targetOf(element), type) ?? '',
    setValue: (value: string) => execute(spiffBodyCommands(element, targetOf(element), type, value, create)),
  })
}

function DecisionSelect(props: EntryProps) {
  const { element, id, label, description } = props
  const execute = useExecute()
  const create = useCreate()
  const context = useService('config.lexflow') as LexflowContext | undefined
  const type: BodyType = 'spiffworkflow:CalledDecisionId'
  return h(SelectEntry, {
    element,
    id,
    label,
    description,
    getValue: () => spiffBody(targetOf(element), type) ?? '',
    setValue: (value: string) => execute(spiffBodyCommands(element, targetOf(element), type, value, create)),
    getOptions: () => {
      const decisions = allDecisions(context?.getFiles() ?? {})
      const current = spiffBody(targetOf(element), type)
      const options = [
        { value: '', label: t('none') },
        ...decisions.map((d) => ({ value: d.id, label: `${d.id} — ${d.name} (${d.file})` })),
      ]
      if (current && !decisions.some((d) => d.id === current)) options.push({ value: current, label: `${current} ${t('missing')}` })
      return options
    },
  })
}

function ScriptBody(props: EntryProps) {
  const { element, id, label, description } = props
  const modeling = useService('modeling')
  const debounce = useService('debounceInput')
  return h(TextAreaEntry, {
    element,
    id,
    label,
    description,
    debounce,
    monospace: true,
    rows: 8,
    autoResize: true,
    getValue: () => (getBusinessObject(element).get('script') as string | undefined) ?? '',
    setValue: (value: string) => {
      const properties: Record<string, unknown> = { script: value || undefined }
      if (!getBusinessObject(element).get('scriptFormat')) properties.scriptFormat = 'python'
      modeling.updateProperties(element, properties)
    },
  })
}

function ConditionBody(props: EntryProps) {
  const { element, id, label, description } = props
  const modeling = useService('modeling')
  const bpmnFactory = useService('bpmnFactory')
  const debounce = useService('debounceInput')
  return h(TextAreaEntry, {
    element,
    id,
    label,
    description,
    debounce,
    monospace: true,
    rows: 2,
    autoResize: true,
    getValue: () => (getBusinessObject(element).get('conditionExpression')?.get('body') as string | undefined) ?? '',
    setValue: (value: string) => {
      const conditionExpression = value.trim() ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined
      modeling.updateProperties(element, { conditionExpression })
    },
  })
}

function LaneInfo(props: EntryProps) {
  const { element, id, label, description } = props
  return h(TextFieldEntry, {
    element,
    id,
    label,
    description,
    disabled: true,
    debounce: (fn: unknown) => fn,
    getValue: () => laneOf(getBusinessObject(element) as ModdleElement) ?? t('noLane'),
    setValue: () => undefined,
  })
}

function LaneRole(props: EntryProps) {
  const { element, id, label, description } = props
  const modeling = useService('modeling')
  return h(SelectEntry, {
    element,
    id,
    label,
    description,
    getValue: () => (getBusinessObject(element).get('name') as string | undefined) ?? '',
    setValue: (value: string) => modeling.updateProperties(element, { name: value }),
    getOptions: () => {
      const current = getBusinessObject(element).get('name') as string | undefined
      const options = ROLES.map((role) => ({ value: role, label: `${role} — ${i18n.t(`common:role.${role}`)}` }))
      if (current && !ROLES.includes(current)) options.unshift({ value: current, label: `${current} ${t('unknownRole')}` })
      if (!current) options.unshift({ value: '', label: t('none') })
      return options
    },
  })
}

function useServiceOperators(): ServiceOperatorInfo[] | undefined {
  const context = useService('config.lexflow') as LexflowContext | undefined
  return context?.getServiceOperators?.()
}

/** What the server would refuse in the call, in words; undefined when nothing. */
function serviceProblemText(bo: ModdleElement, operators: ServiceOperatorInfo[] | undefined): string | undefined {
  const problems = serviceProblems(bo, operators)
  const lines = []
  if (problems.service === 'missing') lines.push(t('service.missing'))
  if (problems.service === 'unknown') lines.push(t('service.unknown', { name: serviceName(bo) }))
  if (problems.missing.length) lines.push(t('service.missingParameters', { names: problems.missing.join(', ') }))
  return lines.length ? lines.join(' ') : undefined
}

function describeService(operator: ServiceOperatorInfo | undefined): string {
  if (!operator) return t('service.help')
  const none = t('service.none')
  const reads = t('service.reads', {
    required: operator.required.join(', ') || none,
    optional: operator.optional.join(', ') || none,
  })
  const lang = currentLang()
  const what = pickLang(operator.description, lang).replace(/[.。]\s*$/, '')
  return what ? `${what}${lang === 'en' ? '. ' : '。'}${reads}` : reads
}

/** The service a service task calls: a choice of the server's services (free text if they could not be fetched). */
function ServiceChoice(props: EntryProps) {
  const { element, id, label } = props
  const execute = useExecute()
  const create = useCreate()
  const debounce = useService('debounceInput')
  const operators = useServiceOperators()
  const bo = getBusinessObject(element) as ModdleElement
  const setValue = (value: string) => execute(chooseServiceCommands(element, bo, value.trim(), operators ?? [], create))
  const validate = () => serviceProblemText(bo, operators)
  if (!operators) {
    return h(TextFieldEntry, { element, id, label, description: t('service.offline'), debounce, getValue: () => serviceName(bo), setValue, validate })
  }
  const current = serviceName(bo)
  return h(SelectEntry, {
    element,
    id,
    label,
    description: describeService(operators.find((operator) => operator.name === current)),
    getValue: () => serviceName(bo),
    setValue,
    validate,
    getOptions: () => {
      const name = serviceName(bo)
      const options = operators.map((operator) => ({ value: operator.name, label: `${operator.name} — ${pickLang(operator.description, currentLang())}` }))
      if (!name) options.unshift({ value: '', label: t('service.choose') })
      else if (!operators.some((operator) => operator.name === name)) options.unshift({ value: name, label: `${name} ${t('service.notOnServer')}` })
      return options
    },
  })
}

function ResultVariable(props: EntryProps) {
  const { element, id, label, description } = props
  const execute = useExecute()
  const create = useCreate()
  const debounce = useService('debounceInput')
  const bo = getBusinessObject(element) as ModdleElement
  return h(TextFieldEntry, {
    element,
    id,
    label,
    description,
    debounce,
    getValue: () => (serviceOperatorOf(bo)?.get('resultVariable') as string | undefined) ?? '',
    setValue: (value: string) => execute(resultVariableCommands(element, bo, value, create)),
  })
}

interface ParameterEntryProps {
  element: Element
  id: string
  label: string
  description?: string
  parameter: ModdleElement
}

function ParameterName(props: ParameterEntryProps) {
  const { element, id, label, parameter } = props
  const execute = useExecute()
  const debounce = useService('debounceInput')
  const operators = useServiceOperators()
  const bo = getBusinessObject(element) as ModdleElement
  return h(TextFieldEntry, {
    element,
    id,
    label,
    debounce,
    getValue: () => (parameter.get('id') as string | undefined) ?? '',
    setValue: (value: string) => execute(updateParameterCommands(element, parameter, { id: value.trim() || undefined })),
    validate: (value: string) => {
      const name = (value ?? '').trim()
      if (!name) return t('parameterName.empty')
      const problems = serviceProblems(bo, operators)
      if (problems.duplicates.includes(name)) return t('parameterName.duplicate')
      if (problems.unread.includes(name)) return t('parameterName.unread', { service: serviceName(bo) })
      return undefined
    },
  })
}

function ParameterValue(props: ParameterEntryProps) {
  const { element, id, label, description, parameter } = props
  const execute = useExecute()
  const debounce = useService('debounceInput')
  return h(TextFieldEntry, {
    element,
    id,
    label,
    description,
    debounce,
    getValue: () => (parameter.get('value') as string | undefined) ?? '',
    setValue: (value: string) => execute(updateParameterCommands(element, parameter, { value })),
    validate: (value: string) => ((value ?? '').trim() ? undefined : t('parameterValue.empty')),
  })
}

/** One parameter of the list: collapsed it reads "name = value"; open, both are edited. */
function ParameterItem(props: { element: Element; id: string; index: number; item: ModdleElement; open: boolean }) {
  const { element, id, index, item, open } = props
  const translate = useService('translate')
  const name = parameterName(item)
  const value = (item.get('value') as string | undefined) ?? ''
  return h(CollapsibleEntry, {
    element,
    id: `${id}-${index}`,
    label: name ? `${name} = ${value}` : t('parameterName.unnamed'),
    open,
    translate,
    entries: [
      { id: `${id}-${index}-name`, component: ParameterName, parameter: item, label: t('parameterName.label') },
      { id: `${id}-${index}-value`, component: ParameterValue, parameter: item, label: t('parameterValue.label'), description: t('parameterValue.help') },
    ],
  })
}

/** The parameters the task passes to its service: add, edit, remove. */
function ServiceParameters(props: EntryProps) {
  const { element, id, label } = props
  const execute = useExecute()
  const create = useCreate()
  const translate = useService('translate')
  const operators = useServiceOperators()
  const bo = getBusinessObject(element) as ModdleElement
  return h(ListEntry, {
    element,
    id,
    label,
    translate,
    items: serviceParameters(bo),
    component: ParameterItem,
    onAdd: () => execute(addParameterCommands(element, bo, operators ?? [], create)),
    onRemove: (item: ModdleElement) => execute(removeParameterCommands(element, bo, item)),
  })
}

/** Whether a human task is the applicant's own (their defaults differ: see taskActions). */
function isApplicantTask(bo: ModdleElement): boolean {
  const groups = spiffProperty(bo, 'candidateGroups') ?? laneOf(bo) ?? ''
  return groups.split(',').map((group) => group.trim()).includes('applicant')
}

/** One operation the task offers (转办, 退回 …): a checkbox writing the `actions` property. */
function TaskActionCheckbox(props: EntryProps & { action: TaskActionName }) {
  const { element, id, label, description, action } = props
  const execute = useExecute()
  const create = useCreate()
  const bo = targetOf(element)
  return h(CheckboxEntry, {
    element,
    id,
    label,
    description,
    getValue: () => actionsOf(spiffProperty(bo, 'actions'), isApplicantTask(bo)).includes(action),
    setValue: (on: boolean) =>
      execute(spiffPropertyCommands(element, bo, 'actions', toggleAction(spiffProperty(bo, 'actions'), isApplicantTask(bo), action, on), create)),
  })
}

/** A yes/no property ("true" when checked, removed when not). */
function PropertyFlag(props: EntryProps) {
  const { element, id, name, label, description } = props
  const execute = useExecute()
  const create = useCreate()
  return h(CheckboxEntry, {
    element,
    id,
    label,
    description,
    getValue: () => spiffProperty(targetOf(element), name) === 'true',
    setValue: (on: boolean) => execute(spiffPropertyCommands(element, targetOf(element), name, on ? 'true' : undefined, create)),
  })
}

type Entry = Record<string, unknown> & { id: string; component: unknown; isEdited?: unknown }

const flag = (name: string): Entry => ({
  id: `lexflow-${name}`,
  component: PropertyFlag,
  isEdited: isCheckboxEntryEdited,
  name,
  label: t(`${name}.label`),
  description: t(`${name}.help`),
})

const text = (name: string, extra: Partial<EntryProps> = {}): Entry => ({
  id: `lexflow-${name}`,
  component: PropertyText,
  isEdited: isTextFieldEntryEdited,
  name,
  label: t(`${name}.label`),
  description: t(`${name}.help`),
  ...extra,
})

const HUMAN = ['bpmn:UserTask', 'bpmn:ManualTask']

function isHuman(element: Element): boolean {
  return HUMAN.includes(element.type) || element.type === 'bpmn:Task'
}

/** The entries of the Lexflow group for one element. */
export function lexflowEntries(element: Element): Entry[] {
  const entries: Entry[] = []
  const bo = getBusinessObject(element) as ModdleElement
  if (is(element, 'bpmn:Lane')) {
    entries.push({ id: 'lexflow-lane-role', component: LaneRole, isEdited: isSelectEntryEdited, name: 'name', label: t('laneRole.label'), description: t('laneRole.help') })
  }
  if (isHuman(element)) {
    entries.push(
      { id: 'lexflow-lane', component: LaneInfo, name: 'lane', label: t('lane.label'), description: t('lane.help') },
      text('candidateGroups'),
      { id: 'lexflow-form', component: PropertySelect, isEdited: isSelectEntryEdited, kind: 'schema', name: 'formJsonSchemaFilename', label: t('form.label'), description: t('form.help') },
      { id: 'lexflow-ui-form', component: PropertySelect, isEdited: isSelectEntryEdited, kind: 'uischema', name: 'formUiSchemaFilename', label: t('uiForm.label'), description: t('uiForm.help') },
      text('assignee'),
      text('dueDate'),
      text('followUpDate'),
      text('priority'),
      ...TASK_ACTIONS.map(
        (action): Entry => ({
          id: `lexflow-action-${action}`,
          component: TaskActionCheckbox,
          isEdited: isCheckboxEntryEdited,
          action,
          name: 'actions',
          label: t(`actions.${action}`),
          description: action === TASK_ACTIONS[0] ? t('actions.help') : undefined,
        }),
      ),
      flag('opinionRequired'),
      text('opinionField'),
    )
  }
  if (is(element, 'bpmn:StartEvent') && is(bo.$parent, 'bpmn:Process')) {
    entries.push(
      { id: 'lexflow-form', component: PropertySelect, isEdited: isSelectEntryEdited, kind: 'schema', name: 'formJsonSchemaFilename', label: t('startForm.label'), description: t('startForm.help') },
      { id: 'lexflow-ui-form', component: PropertySelect, isEdited: isSelectEntryEdited, kind: 'uischema', name: 'formUiSchemaFilename', label: t('uiForm.label'), description: t('uiForm.help') },
    )
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    entries.push({ id: 'lexflow-decision', component: DecisionSelect, isEdited: isSelectEntryEdited, name: 'calledDecisionId', label: t('decision.label'), description: t('decision.help') })
  }
  if (is(element, 'bpmn:ServiceTask')) {
    entries.push(
      { id: 'lexflow-operator', component: ServiceChoice, isEdited: isSelectEntryEdited, name: 'operator', label: t('service.label') },
      { id: 'lexflow-result', component: ResultVariable, isEdited: isTextFieldEntryEdited, name: 'result', label: t('resultVariable.label'), description: t('resultVariable.help') },
    )
    // Parameters belong to a service: the list appears once one is chosen.
    if (serviceOperatorOf(bo)) entries.push({ id: 'lexflow-parameters', component: ServiceParameters, name: 'parameters', label: t('parameters.label') })
  }
  if (is(element, 'bpmn:ScriptTask')) {
    entries.push({ id: 'lexflow-script', component: ScriptBody, isEdited: isTextAreaEntryEdited, name: 'script', label: t('script.label'), description: t('script.help') })
  }
  if (is(element, 'bpmn:Activity')) {
    entries.push(
      { id: 'lexflow-pre-script', component: BodyText, isEdited: isTextAreaEntryEdited, type: 'spiffworkflow:PreScript', name: 'preScript', label: t('preScript.label'), description: t('preScript.help') },
      { id: 'lexflow-post-script', component: BodyText, isEdited: isTextAreaEntryEdited, type: 'spiffworkflow:PostScript', name: 'postScript', label: t('postScript.label'), description: t('postScript.help') },
    )
  }
  if (is(element, 'bpmn:SequenceFlow') && is(bo.get('sourceRef'), 'bpmn:Gateway')) {
    entries.push({ id: 'lexflow-condition', component: ConditionBody, isEdited: isTextAreaEntryEdited, name: 'condition', label: t('condition.label'), description: t('condition.help') })
  }
  if (is(element, 'bpmn:FlowNode') && !is(element, 'bpmn:Gateway')) {
    entries.push(text('stage'), text('milestone'), text('milestoneData'), text('document'))
  }
  if (is(element, 'bpmn:Process') || (is(element, 'bpmn:Participant') && bo.get('processRef'))) {
    entries.push(text('applicantData'), flag('withdrawable'), text('withdrawableUntil'))
  }
  return entries
}

class LexflowPropertiesProvider {
  static $inject = ['propertiesPanel']

  constructor(propertiesPanel: { registerProvider: (priority: number, provider: unknown) => void }) {
    propertiesPanel.registerProvider(500, this)
  }

  getGroups(element: Element) {
    return (groups: { id: string }[]) => {
      const entries = lexflowEntries(element)
      if (!entries.length) return groups
      const group = { id: 'lexflow', label: t('group'), component: Group, entries, shouldOpen: true }
      const general = groups.findIndex((item) => item.id === 'general')
      groups.splice(general >= 0 ? general + 1 : 0, 0, group)
      return groups
    }
  }
}

export default {
  __init__: ['lexflowPropertiesProvider'],
  lexflowPropertiesProvider: ['type', LexflowPropertiesProvider],
}
