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
  deployed_by: UserRef | null
  deployed_at: string
}

export interface ProcessVersion extends ProcessSummary {
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

export const validateFiles = (files: FileSet) =>
  api<ValidationResult>('/processes/validate', { form: toFormData(files) })

/** 201: a new version; 200: the files equal the latest version, nothing deployed. */
export async function deployFiles(files: FileSet, isPublic: boolean): Promise<{ created: boolean; definitions: ProcessSummary[] }> {
  const response = await fetch('/api/v1/processes', {
    method: 'POST',
    body: toFormData(files, { public: isPublic ? 'true' : 'false' }),
    headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    credentials: 'same-origin',
  })
  if (!response.ok) throw await parseError(response)
  return { created: response.status === 201, definitions: (await response.json()) as ProcessSummary[] }
}

export const startInstance = (process: string, data: Record<string, unknown>) =>
  api<InstanceDetail>('/instances', { json: { process, data } })
