/**
 * The task operations (转办, 委派, 退回, 撤回, 加签, 抄送, 催办, 指派) as the task page offers them:
 * which buttons, in which order, and what each asks for. The server says which the caller may
 * take now (`TaskDetail.actions`) and checks each again.
 */
import type { TaskAction } from '../app/types'

/** The operation buttons of the task page, in the order people reach for them. */
export const OPERATIONS = ['return', 'transfer', 'delegate', 'resolve', 'consult', 'copy', 'urge', 'assign', 'withdraw'] as const
export type Operation = (typeof OPERATIONS)[number]

export interface OperationForm {
  /** who: one person, several, or a step of the case (return) */
  to: 'person' | 'people' | 'step' | null
  /** the person picker offers only people the task may go to (transfer, assign), or staff of the case */
  candidates: 'task' | 'case'
  /** the words it asks for, and whether they are required */
  text: { field: 'reason' | 'question' | 'note' | 'comment'; required: boolean } | null
}

export const OPERATION_FORMS: Record<Operation, OperationForm> = {
  return: { to: 'step', candidates: 'task', text: { field: 'reason', required: true } },
  transfer: { to: 'person', candidates: 'task', text: { field: 'reason', required: true } },
  delegate: { to: 'person', candidates: 'case', text: { field: 'reason', required: true } },
  resolve: { to: null, candidates: 'case', text: { field: 'comment', required: true } },
  consult: { to: 'people', candidates: 'case', text: { field: 'question', required: true } },
  copy: { to: 'people', candidates: 'case', text: { field: 'note', required: false } },
  urge: { to: null, candidates: 'case', text: { field: 'note', required: false } },
  assign: { to: 'person', candidates: 'task', text: null },
  withdraw: { to: null, candidates: 'case', text: null },
}

/** The operation buttons for what the server allows (claim, complete and opinions are elsewhere). */
export function operationButtons(actions: readonly TaskAction[] | undefined): Operation[] {
  const allowed = new Set(actions ?? [])
  return OPERATIONS.filter((operation) => allowed.has(operation))
}

/** The request body of an operation from what its dialog collected. */
export function operationBody(operation: Operation, values: { to?: string | string[]; text?: string }, draft?: Record<string, unknown>): Record<string, unknown> {
  const form = OPERATION_FORMS[operation]
  const body: Record<string, unknown> = {}
  if (form.to === 'people') body.to = Array.isArray(values.to) ? values.to : values.to ? [values.to] : []
  else if (form.to) body.to = Array.isArray(values.to) ? values.to[0] : (values.to ?? '')
  if (form.text) body[form.text.field] = (values.text ?? '').trim()
  if (operation === 'resolve' && draft && Object.keys(draft).length) body.data = draft
  return body
}
