/** Task rows for the workbench's tests. */
import type { Task } from '../app/types'

export function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 1,
    instance: 10,
    process: 'notary_intake',
    process_name: '公证受理与绿色通道 / Notary intake with green channels',
    business_key: '20261120-000025',
    bpmn_id: 'accept',
    name: '受理审查 / Decide on acceptance',
    candidate_groups: ['caseworker'],
    organisation: 1,
    assignee: null,
    priority: 50,
    due_at: '2026-12-02T23:59:59+08:00',
    follow_up_at: null,
    overdue: false,
    status: 'open',
    created_at: '2026-11-20T15:57:00+08:00',
    claimed_at: null,
    completed_at: null,
    stage: '受理审查中 / Being checked for acceptance',
    green_channel: false,
    working_days_left: 5,
    instance_status: 'running',
    ...overrides,
  }
}
