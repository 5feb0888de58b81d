/** API shapes only the workbench reads (see /work/notes/contract.md and /api/docs/). */
import type { UserRef } from '../app/types'

export interface TaskCounts {
  mine: number
  groups: number
  unassigned: number
  due_today: number
  overdue: number
  green_channel: number
}

export interface SavedFilter {
  id: number
  name: string
  query: Record<string, unknown>
  created_at: string
}

export interface DiagramTimer {
  bpmn_id: string
  due_at: string
  status: string
}

export interface InstanceDiagram {
  process: string
  version: number
  bpmn: string
  completed: string[]
  current: string[]
  waiting: string[]
  timers: DiagramTimer[]
}

export interface Attachment {
  id: string
  name: string
  size: number
  content_type: string
  uploaded_at: string
  instance: number | null
  uploader?: UserRef | null
  download_url?: string
}

export interface CaseDocument {
  id: number
  template: string
  title: string
  verification_code: string
  created_at: string
  rendered: boolean
  download_url: string
}

export interface ProcessSummary {
  key: string
  version: number
  name: string
}
