/**
 * The designer's own settings, kept in this browser: the default group a deploy gives human
 * tasks that have no lane and no candidate group (diagrams from Camunda, Flowable, Activiti).
 */
const DEFAULT_GROUP_KEY = 'lexflow.designer.defaultGroup'

/** The roles a task can be offered to (the deploy refuses any other name). */
export const DEFAULT_GROUP_ROLES = ['caseworker', 'reviewer', 'director', 'lawyer', 'notary', 'mediator', 'supervisor', 'applicant'] as const

export function loadDefaultGroup(storage: Storage = localStorage): string {
  const stored = storage.getItem(DEFAULT_GROUP_KEY) ?? ''
  return (DEFAULT_GROUP_ROLES as readonly string[]).includes(stored) ? stored : ''
}

export function saveDefaultGroup(group: string, storage: Storage = localStorage): void {
  if (group) storage.setItem(DEFAULT_GROUP_KEY, group)
  else storage.removeItem(DEFAULT_GROUP_KEY)
}
