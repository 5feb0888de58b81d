/**
 * Where each server validation/deploy error belongs in the designer: on an element of a
 * diagram the designer has open (marker + overlay, and selectable from the list), or, when it
 * names no element there, as "file:line" that opens the file.
 */

export interface DeployError {
  file: string
  line: number | null
  element_id: string | null
  tag: string | null
  message: string
}

export interface PlacedError extends DeployError {
  /** the diagram file it is shown on, when its element is there */
  onElement: boolean
  key: string
}

export interface PlacedErrors {
  /** bpmn file -> element id -> errors */
  byElement: Record<string, Record<string, DeployError[]>>
  all: PlacedError[]
}

/**
 * `hasElement(file, id)` says whether the open diagram of `file` has that element. A BPMN error
 * for an element the diagram lacks (or a DMN/form error) stays in the list only.
 */
export function placeErrors(errors: DeployError[], hasElement: (file: string, id: string) => boolean): PlacedErrors {
  const byElement: PlacedErrors['byElement'] = {}
  const all = errors.map((error, index) => {
    const onElement = Boolean(error.element_id && hasElement(error.file, error.element_id))
    if (onElement) {
      const forFile = (byElement[error.file] ??= {})
      ;(forFile[error.element_id as string] ??= []).push(error)
    }
    return { ...error, onElement, key: `${index}` }
  })
  return { byElement, all }
}

/** "complaint.bpmn:161 <userTask id=check_eligibility>" */
export function errorLocation(error: DeployError): string {
  let where = error.file + (error.line ? `:${error.line}` : '')
  if (error.element_id) where += ` <${error.tag ?? 'element'} id=${error.element_id}>`
  return where
}

/** The errors of a 400 deploy response (problem JSON with `deploy_errors`), or null. */
export function deployErrorsOf(body: unknown): DeployError[] | null {
  const list = (body as { deploy_errors?: unknown } | null)?.deploy_errors
  if (!Array.isArray(list)) return null
  return list.filter((item): item is DeployError => Boolean(item && typeof item === 'object' && 'message' in item))
}
