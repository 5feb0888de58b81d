/** Server state of the workbench (TanStack Query); query keys start with the resource name. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'

import { api } from '../app/api'
import type { InstanceDetail, Page, Task, TaskDetail } from '../app/types'
import { toApiQuery, type QueueFilters } from './filters'
import type { Attachment, CaseDocument, InstanceDiagram, ProcessSummary, SavedFilter, TaskCounts } from './types'

const MINUTE = 60_000

export function fetchQueue(filters: QueueFilters): Promise<Page<Task>> {
  return api<Page<Task>>('/tasks', { query: toApiQuery(filters) })
}

export function useQueue(filters: QueueFilters) {
  return useQuery({
    queryKey: ['tasks', toApiQuery(filters)],
    queryFn: () => fetchQueue(filters),
    placeholderData: keepPreviousData,
    refetchInterval: MINUTE, // a desk screen left open all day stays current
  })
}

export function useCounts() {
  return useQuery({
    queryKey: ['task-counts'],
    queryFn: () => api<TaskCounts>('/tasks/counts'),
    refetchInterval: MINUTE,
  })
}

export function useSavedFilters() {
  return useQuery({ queryKey: ['task-filters'], queryFn: () => api<SavedFilter[]>('/task-filters') })
}

export function useProcesses() {
  return useQuery({
    queryKey: ['processes'],
    queryFn: () => api<ProcessSummary[]>('/processes'),
    staleTime: 10 * MINUTE,
    select: (rows) => {
      const byKey = new Map<string, ProcessSummary>()
      for (const row of rows) if (!byKey.has(row.key) || byKey.get(row.key)!.version < row.version) byKey.set(row.key, row)
      return [...byKey.values()]
    },
  })
}

export function useTask(id: number) {
  return useQuery({ queryKey: ['task', id], queryFn: () => api<TaskDetail>(`/tasks/${id}`), enabled: id > 0 })
}

export function useInstance(id: number | undefined) {
  return useQuery({
    queryKey: ['instance', id],
    queryFn: () => api<InstanceDetail>(`/instances/${id}`),
    enabled: Boolean(id),
  })
}

export function useDiagram(id: number) {
  return useQuery({ queryKey: ['diagram', id], queryFn: () => api<InstanceDiagram>(`/instances/${id}/diagram`), retry: false })
}

export function useAttachments(id: number | undefined) {
  return useQuery({
    queryKey: ['attachments', id],
    queryFn: () => api<Attachment[]>(`/instances/${id}/attachments`),
    enabled: Boolean(id),
    retry: false,
  })
}

export function useDocuments(id: number) {
  return useQuery({ queryKey: ['documents', id], queryFn: () => api<CaseDocument[]>(`/instances/${id}/documents`), retry: false })
}

/** Every form schema of a process version, for labelling case data ("申请人 / Applicant"). */
export function useProcessFiles(key: string | undefined, version: number | undefined) {
  return useQuery({
    queryKey: ['process-files', key, version],
    queryFn: () => api<{ files: Record<string, string> }>(`/processes/${key}/versions/${version}/files`),
    enabled: Boolean(key && version),
    staleTime: Infinity, // a deployed version never changes
    retry: false,
  })
}

/** Claim or unclaim; refreshes the queue, the counts and the task. */
export function useClaim() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ task, action }: { task: Pick<Task, 'id'>; action: 'claim' | 'unclaim' }) =>
      api<Task>(`/tasks/${task.id}/${action}`, { method: 'POST' }),
    onSettled: (_data, _error, { task }) => {
      void client.invalidateQueries({ queryKey: ['tasks'] })
      void client.invalidateQueries({ queryKey: ['task-counts'] })
      void client.invalidateQueries({ queryKey: ['task', task.id] })
    },
  })
}
