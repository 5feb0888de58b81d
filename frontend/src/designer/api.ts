/** The designer's calls to the API (contract: /processes, /processes/validate, diff, files, service operators). */
import { api, csrfToken, parseError } from '../app/api'
import type { InstanceDetail, UserRef } from '../app/types'
import type { ProcessDiff } from './diffLegend'
import { toFormData, type FileSet } from './files'
import type { DeployError } from './serverErrors'

export interface ProcessSummary {
  key: string
  version: number
  name: string
  digest: string
  is_public: boolean
  /** a retired version starts no new cases; its running cases go on */
  retired: boolean
  deployed_by: UserRef | null
  deployed_at: string
}

/** What a deploy translated from another tool's terms (`${approved}` → `approved`), located like an error. */
export interface DeployNote {
  file: string
  line: number | null
  element_id: string | null
  tag: string | null
  message: string
}

export interface DeployedDefinition extends ProcessSummary {
  default_group: string
  notes: DeployNote[]
  default_group_tasks: string[]
}

export interface ProcessVersion extends ProcessSummary {
  default_group: string
  instance_count: number
  running_count: number
  files: string[]
}

export interface ProcessDetail {
  key: string
  name: string
  latest_version: number
  versions: ProcessVersion[]
}

export interface ValidationResult {
  ok: boolean
  errors: DeployError[]
  notes: DeployNote[]
  default_group_tasks: string[]
}

/** A service the server answers: what a service task names as its operator. */
export interface ServiceOperatorInfo {
  name: string
  /** "中文 / English" */
  description: string
  required: string[]
  optional: string[]
}

export const designerKeys = {
  list: ['designer', 'processes'] as const,
  detail: (key: string) => ['designer', 'process', key] as const,
  files: (key: string, version: number) => ['designer', 'files', key, version] as const,
  bpmn: (key: string, version: number) => ['designer', 'bpmn', key, version] as const,
  diff: (key: string, from: number, to: number) => ['designer', 'diff', key, from, to] as const,
  serviceOperators: ['designer', 'service-operators'] as const,
}

export const fetchProcesses = () => api<ProcessSummary[]>('/processes')
export const fetchProcess = (key: string) => api<ProcessDetail>(`/processes/${encodeURIComponent(key)}`)
export const fetchFiles = (key: string, version: number) =>
  api<{ files: FileSet }>(`/processes/${encodeURIComponent(key)}/versions/${version}/files`).then((body) => body.files)
export const fetchBpmn = (key: string, version: number) =>
  api<string>(`/processes/${encodeURIComponent(key)}/versions/${version}/bpmn`)
export const fetchDiff = (key: string, from: number, to: number) =>
  api<ProcessDiff>(`/processes/${encodeURIComponent(key)}/diff`, { query: { from, to } })

export const fetchServiceOperators = () => api<ServiceOperatorInfo[]>('/processes/service-operators')

const groupField = (defaultGroup: string): Record<string, string> => (defaultGroup ? { default_group: defaultGroup } : {})

export const validateFiles = (files: FileSet, defaultGroup = '') =>
  api<ValidationResult>('/processes/validate', { form: toFormData(files, groupField(defaultGroup)) })

/** 201: a new version; 200: the files equal the latest version, nothing deployed. */
export async function deployFiles(
  files: FileSet,
  isPublic: boolean,
  defaultGroup = '',
): Promise<{ created: boolean; definitions: DeployedDefinition[] }> {
  const response = await fetch('/api/v1/processes', {
    method: 'POST',
    body: toFormData(files, { public: isPublic ? 'true' : 'false', ...groupField(defaultGroup) }),
    headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    credentials: 'same-origin',
  })
  if (!response.ok) throw await parseError(response)
  return { created: response.status === 201, definitions: (await response.json()) as DeployedDefinition[] }
}

export const startInstance = (process: string, data: Record<string, unknown>) =>
  api<InstanceDetail>('/instances', { json: { process, data } })

// ---------------------------------------------------------------------------------------------
// Versions: retire, restore, move running cases

export const retireVersion = (key: string, version: number) =>
  api<ProcessSummary>(`/processes/${encodeURIComponent(key)}/versions/${version}/retire`, { method: 'POST' })
export const restoreVersion = (key: string, version: number) =>
  api<ProcessSummary>(`/processes/${encodeURIComponent(key)}/versions/${version}/restore`, { method: 'POST' })

/** A step of a diagram: its BPMN id, tag ("userTask") and name ("中文 / English"). */
export interface StepRef {
  id: string
  type: string
  name: string
}

export type MigrationOutcome = 'movable' | 'moved' | 'refused' | 'failed'

export interface CaseMigration {
  id: number
  business_key: string
  stage: string
  outcome: MigrationOutcome
  reason: string
  /** the steps where the case stands (its boundary events included) */
  current: StepRef[]
  removed: { step: StepRef; suggestion: string | null }[]
  mapped: Record<string, string>
  changes: string[]
}

export interface RemovedStepSummary extends StepRef {
  suggestion: string | null
  cases: number[]
}

export interface MigrationReport {
  process: string
  from_version: number
  to_version: number
  dry_run: boolean
  mapping: Record<string, string>
  cases: CaseMigration[]
  movable: number[]
  moved: number[]
  refused: { id: number; reason: string }[]
  failed: { id: number; reason: string }[]
  removed_steps: RemovedStepSummary[]
  targets: StepRef[]
}

export interface MigrationRequest {
  from_version: number
  to_version: number
  instances: number[] | 'all'
  mapping: Record<string, string>
  dry_run: boolean
}

export const migrateCases = (key: string, request: MigrationRequest) =>
  api<MigrationReport>(`/processes/${encodeURIComponent(key)}/migrations`, { json: request })
