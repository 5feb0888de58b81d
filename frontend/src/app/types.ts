/** Shapes of the API responses the screens share (see /api/docs/ for all of them). */

export interface UserRef {
  id: number
  username: string
  display_name: string
}

export interface Membership {
  organisation: OrganisationRef & { parent: number | null }
  role: string
}

export interface Me {
  id: number
  username: string
  display_name: string
  email: string
  roles: string[]
  memberships: Membership[]
}

export interface OrganisationRef {
  id: number
  code: string
  name: string
  name_en: string
  level: string
}

export interface Task {
  id: number
  instance: number
  process: string
  process_name?: string
  business_key: string
  bpmn_id: string
  name: string
  candidate_groups: string[]
  organisation: number | null
  assignee: UserRef | null
  priority: number
  due_at: string | null
  follow_up_at: string | null
  overdue: boolean
  status: string
  created_at: string
  claimed_at: string | null
  completed_at: string | null
  stage?: string
  green_channel?: boolean
  working_days_left?: number | null
  instance_status?: string
  /** 催办: when it was last urged, and the note */
  urged_at?: string | null
  urge_note?: string
  /** 委派: '' (none), 'pending' (with the delegate) or 'resolved' (handed back) */
  delegation?: '' | 'pending' | 'resolved'
  owner?: UserRef | null
  /** 退回: why the case came back to this step */
  return_reason?: string
}

export interface TaskComment {
  id: number
  task: number
  author: UserRef
  kind: 'opinion' | 'answer' | 'resolution' | 'return'
  text: string
  created_at: string
}

export interface Consultation {
  id: number
  asked_by: UserRef
  consultant: UserRef
  question: string
  status: 'open' | 'answered' | 'closed'
  answer: TaskComment | null
  created_at: string
}

/** What the caller may do to a task now, as the server says (`TaskDetail.actions`). */
export type TaskAction =
  | 'claim'
  | 'unclaim'
  | 'complete'
  | 'transfer'
  | 'delegate'
  | 'resolve'
  | 'return'
  | 'withdraw'
  | 'consult'
  | 'copy'
  | 'comment'
  | 'urge'
  | 'assign'

export interface TaskDetail extends Task {
  form: string
  form_schema: Record<string, unknown> | null
  ui_schema: Record<string, unknown> | null
  data: Record<string, unknown>
  actions?: TaskAction[]
  opinion_required?: boolean
  comments?: TaskComment[]
  consultations?: Consultation[]
  returned_by?: UserRef | null
  completed_by?: UserRef | null
  draft?: Record<string, unknown> | null
  prefill?: Record<string, unknown> | null
}

export interface Timer {
  id: number
  bpmn_id: string
  due_at: string
  status: string
  fired_at: string | null
}

export interface HistoryEvent {
  id: number
  action: string
  actor: UserRef | null
  task: number | null
  created_at: string
  detail: Record<string, unknown>
}

export interface Instance {
  id: number
  process: string
  version: number
  process_name: string
  business_key: string
  organisation: OrganisationRef | null
  applicant: UserRef | null
  status: string
  stage: string
  next_deadline: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
  /** why it was cancelled or withdrawn, as the applicant is told */
  end_reason?: string
  /** an open incident waits for an operator (staff only) */
  has_incident?: boolean
}

export interface IncidentRef {
  id: number
  kind: string
  bpmn_id: string
  element_name: string
  error: string
  attempts: number
  status: 'open' | 'resolved'
  created_at: string
  last_attempt_at: string
}

export type CaseAction = 'cancel' | 'suspend' | 'resume' | 'withdraw' | 'data'

export interface InstanceDetail extends Instance {
  error: string
  data: Record<string, unknown>
  tasks: Task[]
  timers: Timer[]
  incident?: IncidentRef | null
  suspension?: { reason: string; until: string | null; started_at: string; suspended_by: UserRef } | null
  actions?: CaseAction[]
  history: HistoryEvent[]
  rating?: { score: number; comment: string; created_at: string } | null
  /** what the office told the applicant in words (answer, reasons, reply), titled */
  told_applicant?: { key: string; title: string; text: string }[]
}

export interface Page<T> {
  results: T[]
  next: string | null
  previous: string | null
  count?: number
}
