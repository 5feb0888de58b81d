import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { App as AntApp } from 'antd'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import '../app/i18n'
import { AuthProvider } from '../app/auth'
import './i18n'
import { rememberQueue } from './session'
import TaskPage from './TaskPage'
import { task } from './testData'

const ME = { id: 3, username: 'caseworker', display_name: '王芳 Wang Fang', email: '', roles: ['caseworker'], memberships: [] }

const DETAIL = {
  ...task({ id: 55, instance: 10, assignee: { id: 3, username: 'caseworker', display_name: '王芳 Wang Fang' } }),
  form: 'note.schema.json',
  form_schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: '审查 / Review',
    type: 'object',
    properties: { note: { type: 'string', title: '审查意见 / Note' } },
  },
  ui_schema: {},
  data: { applicant: { name: '张三' } },
}

let detail: Record<string, unknown> = DETAIL
let completeAnswer: { status: number; body: unknown } = { status: 200, body: {} }
let calls: { method: string; path: string; body?: unknown }[] = []

function respond(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

function fakeApi(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(String(input), 'http://test')
  const method = init?.method ?? 'GET'
  const path = url.pathname
  calls.push({ method, path, body: init?.body ? JSON.parse(String(init.body)) : undefined })
  if (path === '/api/v1/auth/me') return Promise.resolve(respond(ME))
  if (path === '/api/v1/tasks/55' && method === 'GET') return Promise.resolve(respond(detail))
  if (path === '/api/v1/tasks/55/complete') return Promise.resolve(respond(completeAnswer.body, completeAnswer.status))
  if (path === '/api/v1/tasks') return Promise.resolve(respond({ count: 1, next: null, previous: null, results: [task({ id: 56 })] }))
  if (path === '/api/v1/instances/10')
    return Promise.resolve(respond({ id: 10, process: 'notary_intake', version: 1, data: {}, tasks: [], history: [], timers: [] }))
  if (path === '/api/v1/instances/10/attachments') return Promise.resolve(respond([]))
  if (path === '/api/v1/processes/notary_intake/versions/1/files') return Promise.resolve(respond({ files: {} }))
  return Promise.resolve(respond({ detail: 'not here' }, 404))
}

function Where() {
  const location = useLocation()
  return <output data-testid="where">{location.pathname + location.search}</output>
}

function renderTask() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={['/workbench/tasks/55']}>
        <AuthProvider>
          <AntApp>
            <Routes>
              <Route path="/workbench/tasks/:id" element={<TaskPage />} />
              <Route path="/workbench" element={<p>the queue</p>} />
            </Routes>
            <Where />
          </AntApp>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

async function noteField(): Promise<HTMLElement> {
  return await screen.findByLabelText('审查意见', {}, { timeout: 5000 })
}

function ctrlEnter(target: Element) {
  act(() => {
    fireEvent.keyDown(target, { key: 'Enter', ctrlKey: true })
  })
}

beforeEach(() => {
  calls = []
  detail = DETAIL
  completeAnswer = { status: 200, body: {} }
  sessionStorage.clear()
  rememberQueue('?overdue=true')
  vi.stubGlobal('fetch', vi.fn(fakeApi))
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the task view', () => {
  it('submits with Ctrl+Enter while typing and opens the next task of the queue', async () => {
    renderTask()
    const field = await noteField()
    fireEvent.change(field, { target: { value: '材料齐全' } })
    ctrlEnter(field)
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('/workbench/tasks/56'), { timeout: 5000 })
    expect(calls.find((call) => call.path === '/api/v1/tasks/55/complete')?.body).toEqual({ data: { note: '材料齐全' } })
    const queueCall = calls.find((call) => call.path === '/api/v1/tasks')
    expect(queueCall).toBeTruthy()
  })

  it("puts the server's 400 field errors on their fields, in the reader's language", async () => {
    completeAnswer = { status: 400, body: { title: '数据无效 / Invalid', errors: { 'data.note': ['太短了 / Too short'] } } }
    renderTask()
    const field = await noteField()
    ctrlEnter(field)
    expect(await screen.findByText('太短了')).toBeInTheDocument()
    expect(screen.getByTestId('where')).toHaveTextContent('/workbench/tasks/55')
  })

  it('says plainly when the task changed meanwhile (409) and reloads it', async () => {
    completeAnswer = { status: 409, body: { detail: '任务已由他人完成 / Someone else completed it' } }
    renderTask()
    const field = await noteField()
    const loads = () => calls.filter((call) => call.method === 'GET' && call.path === '/api/v1/tasks/55').length
    const before = loads()
    ctrlEnter(field)
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('任务已变化：任务已由他人完成')
    await waitFor(() => expect(loads()).toBeGreaterThan(before))
  })

  it('goes back to the queue it came from with Esc', async () => {
    renderTask()
    await noteField()
    act(() => {
      fireEvent.keyDown(document.body, { key: 'Escape' })
    })
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('/workbench?overdue=true'))
  })

  it('shows why a step came back and sends the opinion with the completion', async () => {
    detail = {
      ...DETAIL,
      actions: ['complete', 'unclaim', 'return', 'transfer', 'comment', 'copy'],
      return_reason: '缺少收入证明 / The income statement is missing',
      returned_by: { id: 4, username: 'reviewer', display_name: '陈静 Chen Jing' },
      comments: [],
    }
    renderTask()
    const field = await noteField()
    expect(screen.getByTestId('return-reason')).toHaveTextContent('案件由 陈静 Chen Jing 退回：缺少收入证明 / The income statement is missing')
    expect(screen.getByRole('button', { name: /^退\s?回$/ })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: /^转\s?办$/ })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /^委\s?派$/ })).toBeNull()
    fireEvent.change(screen.getByPlaceholderText('填写审批意见'), { target: { value: '已补齐' } })
    fireEvent.change(field, { target: { value: '材料齐全' } })
    ctrlEnter(field)
    await waitFor(() => expect(calls.some((call) => call.path === '/api/v1/tasks/55/complete')).toBe(true), { timeout: 5000 })
    expect(calls.find((call) => call.path === '/api/v1/tasks/55/complete')?.body).toEqual({ data: { note: '材料齐全' }, comment: '已补齐' })
  })
})
