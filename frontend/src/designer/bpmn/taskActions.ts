/**
 * A user task's `actions` property (bpmn/README.md): the operations it offers besides claim and
 * complete. Absent means the defaults: every operation on a staff task, comment, copy and urge on
 * an applicant's own task. The panel shows one checkbox per operation and writes the property
 * only when the choice differs from the defaults.
 */
export const TASK_ACTIONS = ['transfer', 'delegate', 'return', 'withdraw', 'consult', 'copy', 'comment', 'urge'] as const
export type TaskActionName = (typeof TASK_ACTIONS)[number]

const APPLICANT_DEFAULTS: readonly TaskActionName[] = ['copy', 'comment', 'urge']

export function defaultActions(applicantTask: boolean): TaskActionName[] {
  return applicantTask ? [...APPLICANT_DEFAULTS] : [...TASK_ACTIONS]
}

/** The operations a task offers, from its property as written ("none", a list) or the defaults. */
export function actionsOf(value: string | undefined, applicantTask: boolean): TaskActionName[] {
  if (value === undefined) return defaultActions(applicantTask)
  const names = value.split(',').map((name) => name.trim()).filter(Boolean)
  return TASK_ACTIONS.filter((action) => names.includes(action))
}

/** The property value for a choice: undefined (no property) when it is the defaults. */
export function actionsValue(chosen: readonly string[], applicantTask: boolean): string | undefined {
  const ordered = TASK_ACTIONS.filter((action) => chosen.includes(action))
  const defaults = defaultActions(applicantTask)
  if (ordered.length === defaults.length && ordered.every((action, index) => action === defaults[index])) return undefined
  return ordered.length ? ordered.join(',') : 'none'
}

/** The choice with one operation switched on or off. */
export function toggleAction(value: string | undefined, applicantTask: boolean, action: TaskActionName, on: boolean): string | undefined {
  const current = actionsOf(value, applicantTask)
  const next = on ? [...current, action] : current.filter((name) => name !== action)
  return actionsValue(next, applicantTask)
}
