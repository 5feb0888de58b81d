/**
 * The one way the web app talks to Lexflow's API: same origin, session cookie, CSRF header.
 * Errors arrive as problem JSON; `ApiError.fieldErrors` maps field paths to messages so forms
 * can show each message on its field.
 */

export type FieldErrors = Record<string, string[]>

export class ApiError extends Error {
  status: number
  code: string | undefined
  fieldErrors: FieldErrors
  body: unknown

  constructor(status: number, message: string, fieldErrors: FieldErrors = {}, code?: string, body?: unknown) {
    super(message)
    this.status = status
    this.code = code
    this.fieldErrors = fieldErrors
    this.body = body
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return match ? decodeURIComponent(match[1]) : ''
}

type Query = Record<string, string | number | boolean | null | undefined>

export function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Query
  json?: unknown
  form?: FormData
  signal?: AbortSignal
}

function flattenErrors(errors: unknown, prefix = ''): FieldErrors {
  const out: FieldErrors = {}
  if (!errors || typeof errors !== 'object') return out
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) out[path] = value as string[]
    else if (typeof value === 'string') out[path] = [value]
    else Object.assign(out, flattenErrors(value, path))
  }
  return out
}

export async function parseError(response: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  const record = (body ?? {}) as Record<string, unknown>
  const message =
    (typeof record.detail === 'string' && record.detail) ||
    (typeof record.title === 'string' && record.title) ||
    `${response.status} ${response.statusText}`
  return new ApiError(
    response.status,
    message,
    flattenErrors(record.errors),
    typeof record.code === 'string' ? record.code : undefined,
    body,
  )
}

/** Calls `/api/v1${path}` and returns the parsed JSON (or undefined for 204). */
export async function api<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.json !== undefined || options.form ? 'POST' : 'GET')
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (options.form) body = options.form
  else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  }
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken()
  const url = withQuery(path.startsWith('/api/') ? path : `/api/v1${path}`, options.query)
  const response = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: options.signal })
  if (!response.ok) throw await parseError(response)
  if (response.status === 204) return undefined as T
  const type = response.headers.get('Content-Type') ?? ''
  if (type.includes('json')) return (await response.json()) as T
  return (await response.text()) as T
}

/** Upload with progress (fetch cannot report upload progress; XHR can). */
export function upload<T = unknown>(path: string, form: FormData, onProgress?: (percent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('POST', path.startsWith('/api/') ? path : `/api/v1${path}`)
    request.setRequestHeader('X-CSRFToken', csrfToken())
    request.setRequestHeader('Accept', 'application/json')
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(Math.round((event.loaded / event.total) * 100))
    }
    request.onload = async () => {
      const response = new Response(request.responseText, {
        status: request.status,
        headers: { 'Content-Type': request.getResponseHeader('Content-Type') ?? 'application/json' },
      })
      if (request.status >= 200 && request.status < 300) resolve((await response.json()) as T)
      else reject(await parseError(response))
    }
    request.onerror = () => reject(new ApiError(0, 'network'))
    request.send(form)
  })
}
