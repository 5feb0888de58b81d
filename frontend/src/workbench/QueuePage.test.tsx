import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { App as AntApp } from 'antd'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryRouter, Route, Routes, useLocation, useParams } from 'react-router-dom'

import '../app/i18n'
import { AuthProvider } from '../app/auth'
import './i18n'
import QueuePage from './QueuePage'
import { task } from './testData'

const ME = { id: 3, username: 'caseworker', display_name: '王芳 Wang Fang', email: '', roles: ['caseworker'], memberships: [] }
const ROWS = [
  task({ id: 101, business_key: 'G-1', name: '受理审查 / Decide on acceptance', green_channel: true, priority: 95, due_at: null, working_days_left: null }),
  task({ id: 102, business_key: 'O-2', name: '审查材料是否齐全 / Check the materials', overdue: true, working_days_left: -2, due_at: '2026-11-20T23:59:59+08:00' }),
  task({ id: 103, business_key: 'P-3', name: '调查核实 / Investigate', assignee: { id: 3, username: 'caseworker', display_name: '王芳 Wang Fang' } }),
]

interface Call {
  method: string
  url: URL
}

let calls: Call[] = []

function respond(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

function fakeApi(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(String(input), 'http://test')
  const method = init?.method ?? 'GET'
  calls.push({ method, url })
  const path = url.pathname
  if (path === '/api/v1/auth/me') return Promise.resolve(respond(ME))
  if (path === '/api/v1/tasks/counts')
    return Promise.resolve(respond({ mine: 1, groups: 2, unassigned: 2, due_today: 1, overdue: 1, green_channel: 1 }))
  if (path === '/api/v1/tasks') return Promise.resolve(respond({ count: ROWS.length, next: null, previous: null, results: ROWS }))
  if (path === '/api/v1/task-filters') return Promise.resolve(respond([]))
  if (path === '/api/v1/processes') return Promise.resolve(respond([]))
  const claim = /^\/api\/v1\/tasks\/(\d+)\/(claim|unclaim)$/.exec(path)
  if (claim && method === 'POST') return Promise.resolve(respond(ROWS.find((row) => row.id === Number(claim[1]))))
  return Promise.resolve(respond({ detail: 'not here' }, 404))
}

function Where() {
  const location = useLocation()
  return <output data-testid="where">{location.pathname + location.search}</output>
}

function TaskStub() {
  return <p>task {useParams().id}</p>
}

function renderQueue(entry = '/workbench') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[entry]}>
        <AuthProvider>
          <AntApp>
            <Routes>
              <Route path="/workbench" element={<QueuePage />} />
              <Route path="/workbench/tasks/:id" element={<TaskStub />} />
            </Routes>
            <Where />
          </AntApp>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

function row(id: number): HTMLElement {
  return document.querySelector(`tr[data-row-key="${id}"]`) as HTMLElement
}

function press(key: string, target: Element = document.body) {
  act(() => {
    fireEvent.keyDown(target, { key })
  })
}

async function ready() {
  await waitFor(() => expect(row(101)).toBeTruthy())
  await waitFor(() => expect(row(101)).toHaveClass('wb-row-selected'))
}

beforeEach(() => {
  calls = []
  sessionStorage.clear()
  vi.stubGlobal('fetch', vi.fn(fakeApi))
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the queue', () => {
  it('makes green-channel and overdue rows stand out with a class and a text tag', async () => {
    renderQueue()
    await ready()
    expect(row(101)).toHaveClass('wb-row-green')
    expect(within(row(101)).getByText('绿色通道')).toBeInTheDocument()
    expect(row(102)).toHaveClass('wb-row-overdue')
    expect(within(row(102)).getByText('已逾期')).toBeInTheDocument()
    expect(within(row(102)).getByText('逾期 2 个工作日')).toBeInTheDocument()
    expect(row(103).className).not.toMatch(/wb-row-(green|overdue|today)/)
  })

  it('moves the selection with j/k and the arrow keys, and Enter opens the selected task', async () => {
    renderQueue()
    await ready()
    press('j')
    expect(row(102)).toHaveClass('wb-row-selected')
    expect(row(101)).not.toHaveClass('wb-row-selected')
    press('ArrowDown')
    expect(row(103)).toHaveClass('wb-row-selected')
    press('j') // the last row of the last page: stays
    expect(row(103)).toHaveClass('wb-row-selected')
    press('k')
    press('ArrowUp')
    expect(row(101)).toHaveClass('wb-row-selected')
    expect(row(101)).toHaveAttribute('aria-selected', 'true')
    press('j')
    press('Enter')
    await screen.findByText('task 102')
    expect(screen.getByTestId('where')).toHaveTextContent('/workbench/tasks/102')
  })

  it('claims with c and unclaims with u', async () => {
    renderQueue()
    await ready()
    press('c')
    await waitFor(() => expect(calls.some((call) => call.method === 'POST' && call.url.pathname === '/api/v1/tasks/101/claim')).toBe(true))
    press('j')
    press('j')
    press('u')
    await waitFor(() => expect(calls.some((call) => call.method === 'POST' && call.url.pathname === '/api/v1/tasks/103/unclaim')).toBe(true))
  })

  it('focuses the search with /, and keys typed there are text, not shortcuts', async () => {
    renderQueue()
    await ready()
    press('/')
    const search = screen.getByRole('searchbox', { name: '搜索案件编号或任务名称' })
    expect(search).toHaveFocus()
    press('j', search)
    press('c', search)
    press('3', search)
    expect(row(101)).toHaveClass('wb-row-selected')
    expect(calls.some((call) => call.method === 'POST')).toBe(false)
    expect(screen.getByTestId('where')).toHaveTextContent(/^\/workbench$/)
    press('Escape', search)
    expect(search).not.toHaveFocus()
  })

  it('switches the quick filters with the number keys, in the URL and the request', async () => {
    renderQueue('/workbench?q=HP')
    await ready()
    press('5')
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('/workbench?overdue=true&q=HP'))
    await waitFor(() =>
      expect(calls.some((call) => call.url.pathname === '/api/v1/tasks' && call.url.searchParams.get('overdue') === 'true')).toBe(true),
    )
    expect(screen.getByTestId('preset-overdue')).toHaveAttribute('aria-current', 'true')
    press('6')
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('/workbench?green_channel=true&q=HP'))
    press('0')
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(/\/workbench\?q=HP$/))
  })

  it('shows the counts beside the quick filters and opens the shortcut help with ?', async () => {
    renderQueue()
    await ready()
    expect(await screen.findByRole('link', { name: '已逾期 1' })).toHaveAttribute('aria-keyshortcuts', '5')
    expect(screen.getByRole('link', { name: '我的组 2' })).toHaveAttribute('href', '/workbench?groups=true')
    press('?')
    // (antd names every id "test-id" under test, so the dialog's label is checked by its text)
    expect(within(await screen.findByRole('dialog')).getByText('键盘快捷键')).toBeInTheDocument()
  })
})
