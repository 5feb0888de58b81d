/**
 * Drafts: an application in progress is saved on the server (PUT /drafts/{process}) as the
 * applicant goes, so they can close the phone and carry on later, even after logging in again.
 */
import { api, ApiError } from '../app/api'
import type { Json } from './steps'

export interface Draft {
  process: string
  data: Json
  step: number
  updated_at: string
}

/** The saved draft, or null when there is none (404). */
export async function loadDraft(process: string): Promise<Draft | null> {
  try {
    return await api<Draft>(`/drafts/${encodeURIComponent(process)}`)
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 404) return null
    throw exc
  }
}

export function saveDraft(process: string, data: Json, step: number): Promise<Draft> {
  return api<Draft>(`/drafts/${encodeURIComponent(process)}`, { method: 'PUT', json: { data, step } })
}

export function deleteDraft(process: string): Promise<void> {
  return api<void>(`/drafts/${encodeURIComponent(process)}`, { method: 'DELETE' })
}

export interface Resumed {
  data: Json
  /** 0..stepCount; stepCount is the review step. */
  step: number
  resumed: boolean
}

function isPlainObject(value: unknown): value is Json {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Where the form starts: a saved draft at its step (kept within the form's steps, which may be
 * fewer if a new version of the form has been deployed), the defaults under the draft's answers,
 * and what the link asked for (e.g. `related_case` of a complaint) over both.
 */
export function resumeFrom(draft: Draft | null, stepCount: number, defaults: Json = {}, overrides: Json = {}): Resumed {
  const saved = draft && isPlainObject(draft.data) ? draft.data : null
  const data: Json = { ...defaults }
  if (saved) {
    for (const [key, value] of Object.entries(saved)) {
      // Nested groups (the applicant's details) merge, so a default name does not vanish.
      data[key] = isPlainObject(value) && isPlainObject(data[key]) ? { ...(data[key] as Json), ...value } : value
    }
  }
  Object.assign(data, overrides)
  const raw = saved && Number.isFinite(draft?.step) ? Math.trunc(draft!.step) : 0
  const step = Math.min(Math.max(raw, 0), Math.max(stepCount, 0))
  return { data, step, resumed: Boolean(saved) }
}

/** True when the applicant has typed anything beyond what the form started with. */
export function hasAnswers(data: Json, defaults: Json): boolean {
  return JSON.stringify(data) !== JSON.stringify(defaults)
}
