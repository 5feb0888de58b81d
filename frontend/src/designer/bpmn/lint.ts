/**
 * The lint rules the designer runs as you edit (bpmn-js-bpmnlint), packed for the browser:
 * bpmnlint's recommended rules (imported one by one, no config files to resolve at run time)
 * plus Lexflow's own, which catch before the server does what the server would refuse.
 */
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process'
import conditionalFlows from 'bpmnlint/rules/conditional-flows'
import endEventRequired from 'bpmnlint/rules/end-event-required'
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway'
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event'
import fakeJoin from 'bpmnlint/rules/fake-join'
import labelRequired from 'bpmnlint/rules/label-required'
import linkEvent from 'bpmnlint/rules/link-event'
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway'
import noDisconnected from 'bpmnlint/rules/no-disconnected'
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows'
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork'
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end'
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split'
import noImplicitStart from 'bpmnlint/rules/no-implicit-start'
import noInclusiveGateway from 'bpmnlint/rules/no-inclusive-gateway'
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements'
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event'
import singleEventDefinition from 'bpmnlint/rules/single-event-definition'
import startEventRequired from 'bpmnlint/rules/start-event-required'
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event'
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway'

import { currentLang } from '../../app/i18n'
import { laneOf, spiffBody, spiffProperty, type ModdleElement } from './extensions'
import { serviceName } from './serviceTask'

type Reporter = { report: (id: string, message: string) => void }
type Rule = () => { check: (node: ModdleElement, reporter: Reporter) => void }

const say = (zh: string, en: string) => (currentLang() === 'en' ? en : zh)

const HUMAN_TYPES = ['bpmn:UserTask', 'bpmn:ManualTask']

/** A user task nobody can be offered: no lane and no candidateGroups property. */
const humanTaskRole: Rule = () => ({
  check(node, reporter) {
    if (!HUMAN_TYPES.includes(node.$type)) return
    if (laneOf(node) || spiffProperty(node, 'candidateGroups')) return
    reporter.report(
      node.id,
      say('没有泳道或候选组：请放入一个角色泳道，或填写候选组', 'No lane and no candidate group: put it in a role lane or set candidate groups'),
    )
  },
})

const UNQUOTED = /^\s*(P[\dT]|R\d*\/|\d{4}-\d{2}-\d{2})/

/** Timer expressions are Python: an unquoted ISO duration parses and fails only when reached. */
const timerQuoted: Rule = () => ({
  check(node, reporter) {
    if (node.$type !== 'bpmn:TimerEventDefinition') return
    for (const part of ['timeDuration', 'timeDate', 'timeCycle']) {
      const body = (node.get(part) as ModdleElement | undefined)?.get('body') as string | undefined
      if (body === undefined) continue
      const owner = node.$parent as ModdleElement | undefined
      if (!body.trim()) {
        reporter.report(owner?.id ?? node.id, say('计时器表达式为空', 'The timer expression is empty'))
      } else if (UNQUOTED.test(body)) {
        reporter.report(
          owner?.id ?? node.id,
          say(`计时器表达式须加引号，例如 "${body.trim()}"`, `Quote the timer expression, e.g. "${body.trim()}"`),
        )
      }
    }
  },
})

/** A business rule task must name the decision it calls. */
const decisionNamed: Rule = () => ({
  check(node, reporter) {
    if (node.$type !== 'bpmn:BusinessRuleTask') return
    if ((spiffBody(node, 'spiffworkflow:CalledDecisionId') ?? '').trim()) return
    reporter.report(node.id, say('业务规则任务未指定决策表（DMN）', 'The business rule task names no decision (DMN)'))
  },
})

/** A service task must name the service it calls (whether the server has it, the panel and the server say). */
const serviceNamed: Rule = () => ({
  check(node, reporter) {
    if (node.$type !== 'bpmn:ServiceTask' || serviceName(node)) return
    reporter.report(node.id, say('服务任务未选择服务', 'The service task names no service'))
  },
})

/** Script tasks run Python. */
const pythonScripts: Rule = () => ({
  check(node, reporter) {
    if (node.$type !== 'bpmn:ScriptTask') return
    const format = ((node.get('scriptFormat') as string | undefined) ?? '').toLowerCase()
    if (format && !['python', 'text/python', 'text/x-python', 'py', 'python3'].includes(format)) {
      reporter.report(node.id, say(`不支持 ${format} 脚本，请用 Python`, `${format} scripts are not supported; use Python`))
    } else if (!((node.get('script') as string | undefined) ?? '').trim()) {
      reporter.report(node.id, say('脚本任务没有脚本', 'The script task has no script'))
    }
  },
})

const BPMNLINT_RULES: Record<string, Rule> = {
  'ad-hoc-sub-process': adHocSubProcess as Rule,
  'conditional-flows': conditionalFlows as Rule,
  'end-event-required': endEventRequired as Rule,
  'event-based-gateway': eventBasedGateway as Rule,
  'event-sub-process-typed-start-event': eventSubProcessTypedStartEvent as Rule,
  'fake-join': fakeJoin as Rule,
  'label-required': labelRequired as Rule,
  'link-event': linkEvent as Rule,
  'no-complex-gateway': noComplexGateway as Rule,
  'no-disconnected': noDisconnected as Rule,
  'no-duplicate-sequence-flows': noDuplicateSequenceFlows as Rule,
  'no-gateway-join-fork': noGatewayJoinFork as Rule,
  'no-implicit-end': noImplicitEnd as Rule,
  'no-implicit-split': noImplicitSplit as Rule,
  'no-implicit-start': noImplicitStart as Rule,
  'no-inclusive-gateway': noInclusiveGateway as Rule,
  'no-overlapping-elements': noOverlappingElements as Rule,
  'single-blank-start-event': singleBlankStartEvent as Rule,
  'single-event-definition': singleEventDefinition as Rule,
  'start-event-required': startEventRequired as Rule,
  'sub-process-blank-start-event': subProcessBlankStartEvent as Rule,
  'superfluous-gateway': superfluousGateway as Rule,
}

const LEXFLOW_RULES: Record<string, Rule> = {
  'human-task-role': humanTaskRole,
  'timer-quoted': timerQuoted,
  'decision-named': decisionNamed,
  'service-named': serviceNamed,
  'python-scripts': pythonScripts,
}

export const lintConfig = {
  rules: {
    'ad-hoc-sub-process': 'error',
    'conditional-flows': 'error',
    'end-event-required': 'error',
    'event-based-gateway': 'error',
    'event-sub-process-typed-start-event': 'error',
    'fake-join': 'warn',
    'label-required': 'warn',
    'link-event': 'error',
    'no-complex-gateway': 'error',
    'no-disconnected': 'error',
    'no-duplicate-sequence-flows': 'error',
    // Lexflow's shipped diagrams join and fork in one gateway where it reads better.
    'no-gateway-join-fork': 'warn',
    'no-implicit-end': 'error',
    'no-implicit-split': 'error',
    'no-implicit-start': 'error',
    'no-inclusive-gateway': 'warn',
    'no-overlapping-elements': 'warn',
    'single-blank-start-event': 'error',
    'single-event-definition': 'error',
    'start-event-required': 'error',
    'sub-process-blank-start-event': 'error',
    'superfluous-gateway': 'warn',
    'lexflow/human-task-role': 'error',
    'lexflow/timer-quoted': 'error',
    'lexflow/decision-named': 'error',
    'lexflow/service-named': 'error',
    'lexflow/python-scripts': 'error',
  },
}

export const lintResolver = {
  resolveRule(pkg: string, ruleName: string): Rule {
    const rule = pkg === 'bpmnlint' ? BPMNLINT_RULES[ruleName] : pkg === 'bpmnlint-plugin-lexflow' ? LEXFLOW_RULES[ruleName] : undefined
    if (!rule) throw new Error(`cannot resolve rule <${pkg}/${ruleName}>`)
    return rule
  },
  resolveConfig(pkg: string, configName: string): never {
    throw new Error(`cannot resolve config <${configName}> in <${pkg}>`)
  },
}

/** What bpmn-js-bpmnlint takes as `linting.bpmnlint`. */
export const packedLintConfig = { config: lintConfig, resolver: lintResolver }
