/** Where the caseworker came from: the queue's filters and the last task opened (per tab). */
const QUEUE_KEY = 'lexflow.workbench.queue'
const LAST_TASK_KEY = 'lexflow.workbench.lastTask'

function read(key: string): string | null {
  try {
    return sessionStorage.getItem(key)
  } catch {
    return null
  }
}

function write(key: string, value: string): void {
  try {
    sessionStorage.setItem(key, value)
  } catch {
    /* private mode: the queue then opens unfiltered */
  }
}

export function rememberQueue(search: string): void {
  write(QUEUE_KEY, search)
}

/** The queue URL to go back to, with its filters. */
export function queueUrl(): string {
  const search = read(QUEUE_KEY) ?? ''
  return `/workbench${search && search !== '?' ? (search.startsWith('?') ? search : `?${search}`) : ''}`
}

export function queueSearch(): string {
  return read(QUEUE_KEY) ?? ''
}

export function rememberTask(id: number): void {
  write(LAST_TASK_KEY, String(id))
}

export function lastTask(): number | null {
  const value = Number(read(LAST_TASK_KEY))
  return Number.isInteger(value) && value > 0 ? value : null
}

const IDS_KEY = 'lexflow.workbench.queueIds'

/** The order of the queue page last seen, to find "the next task" after completing one. */
export function rememberQueueIds(ids: number[]): void {
  write(IDS_KEY, ids.join(','))
}

export function queueIds(): number[] {
  return (read(IDS_KEY) ?? '').split(',').map(Number).filter((id) => Number.isInteger(id) && id > 0)
}
