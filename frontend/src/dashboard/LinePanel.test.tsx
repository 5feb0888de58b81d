import '../app/i18n'
import './i18n'

import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { ReactNode } from 'react'
import { MemoryRouter } from 'react-router-dom'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { DrillDrawer } from './DrillDrawer'
import { LinePanel, RateCard } from './LinePanel'

// ECharts needs a real layout engine; the chart's numbers are checked as text here.
vi.mock('./Chart', () => ({ default: () => <div data-testid="chart" /> }))

const COMPLAINTS = {
  scope: { organisation: { id: 2, code: 'LN-SY', name: '沈阳市司法局', name_en: 'Shenyang' }, from: '2026-01-01', to: '2026-11-25' },
  targets: { acceptance_rate: 100, reply_rate: 100 },
  counts: {
    received: 80,
    eligible: 65,
    ineligible: 8,
    accepted: 57,
    accepted_on_time: 52,
    replied: 25,
    replied_on_time: 25,
    acceptance_escalated: 13,
    reply_escalated: 1,
  },
  rates: { acceptance_rate: 87.7, reply_rate: 100, on_time_acceptance_rate: 91.2, on_time_reply_rate: null, satisfaction_rate: 40 },
  meets_targets: { acceptance_rate: false, reply_rate: true },
  ineligible: { count: 8, with_written_reason: 8, by_ground: [{ ground: 'anonymous_no_contact', title: '匿名且无联系方式 / Anonymous, no contact given', count: 3 }] },
  satisfaction: { satisfied: 4, not_satisfied: 6, no_answer: 10, rate: 40 },
  overdue: [
    {
      instance: 251,
      business_key: '20260930-000251',
      organisation: 'LN-SY-HP-NH',
      kind: 'acceptance',
      step: 'acceptance',
      what: '逾期未作出受理决定 / Acceptance decision overdue',
      due: '2026-10-15T23:59:59+08:00',
      days_overdue: 41,
      escalated: true,
    },
  ],
  as_of: '2026-11-25T05:31:00+08:00',
}

function respond(body: unknown, status = 200) {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

function wrap(children: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return (
    <QueryClientProvider client={client}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  )
}

const filters = { organisation: 'LN-SY', from: '2026-01-01', to: '2026-11-25' }
const orgNames = new Map([['LN-SY-HP-NH', '南湖街道司法所']])

afterEach(() => vi.unstubAllGlobals())

describe('a rate card', () => {
  it('says in words, not only in red, that a rate is below its target', () => {
    render(<RateCard label="受理率" value={87.7} target={100} numerator="57" denominator="65" help="已受理 ÷ 符合受理条件" />)
    expect(screen.getByText('87.7%')).toBeInTheDocument()
    expect(screen.getByText(/低于目标/)).toHaveTextContent('低于目标 · 目标 100%')
  })

  it('says when the target is met, and when there is no rate yet', () => {
    const { unmount } = render(<RateCard label="答复率" value={100} target={100} numerator="25" denominator="25" help="" />)
    expect(screen.getByText(/达标/)).toBeInTheDocument()
    unmount()
    render(<RateCard label="答复率" value={null} target={100} numerator="0" denominator="0" help="" />)
    expect(screen.getByText('—')).toBeInTheDocument()
    expect(screen.getByText('暂无数据')).toBeInTheDocument()
    expect(screen.queryByText(/低于目标/)).not.toBeInTheDocument()
  })
})

describe('the complaints panel', () => {
  it('shows the figures from the stats answer and opens the cases behind a number', async () => {
    const fetch = vi.fn((_url: RequestInfo | URL) => respond(COMPLAINTS))
    vi.stubGlobal('fetch', fetch)
    const onDrill = vi.fn()
    render(wrap(<LinePanel line="complaints" filters={filters} lang="zh" orgNames={orgNames} onDrill={onDrill} />))

    // The count appears as a tile and inside the rates built on it; each opens the same cases.
    const [accepted] = await screen.findAllByRole('button', { name: '查看已受理的 57 件案件' })
    expect(String(fetch.mock.calls[0][0])).toBe('/api/v1/complaints/stats?organisation=LN-SY&from=2026-01-01&to=2026-11-25')
    // The acceptance rate is below its 100% target, the reply rate meets it.
    expect(screen.getByText('87.7%')).toBeInTheDocument()
    expect(screen.getAllByText(/低于目标/)).toHaveLength(1)
    expect(screen.getAllByText(/达标/)).toHaveLength(1)
    // The export link carries the same filters.
    expect(screen.getByRole('link', { name: /导出 CSV/ })).toHaveAttribute(
      'href',
      '/api/v1/complaints/stats?organisation=LN-SY&from=2026-01-01&to=2026-11-25&format=csv',
    )
    // The overdue complaint is listed with its organisation's name and days overdue.
    const overdueRow = screen.getByText('20260930-000251').closest('tr')!
    expect(within(overdueRow).getByText('南湖街道司法所')).toBeInTheDocument()
    expect(within(overdueRow).getByText('41')).toBeInTheDocument()

    await userEvent.click(accepted)
    expect(onDrill).toHaveBeenCalledWith({ line: 'complaints', figure: 'counts.accepted' })
    await userEvent.click(screen.getByRole('button', { name: '查看不予受理理由：匿名且无联系方式的 3 件案件' }))
    expect(onDrill).toHaveBeenLastCalledWith({ line: 'complaints', figure: 'ineligible.by_ground.anonymous_no_contact' })
  })

  it("shows the API's message when the organisation is out of scope", async () => {
    vi.stubGlobal('fetch', vi.fn(() => respond({ title: 'Not Found', detail: 'No such organisation. / 无此机构。' }, 404)))
    render(wrap(<LinePanel line="complaints" filters={filters} lang="zh" orgNames={orgNames} onDrill={() => {}} />))
    expect(await screen.findByText('No such organisation. / 无此机构。')).toBeInTheDocument()
  })
})

describe('the drill-down drawer', () => {
  const cases = [
    {
      instance: 241,
      business_key: '20260915-000241',
      process: 'complaint',
      organisation: { id: 3, code: 'LN-SY-HP', name: '和平区司法局' },
      started_at: '2026-09-15T05:14:00Z',
      milestone_at: '2026-09-18T12:57:00Z',
      on_time: true,
    },
    {
      instance: 259,
      business_key: '20261006-000259',
      process: 'complaint',
      organisation: { id: 3, code: 'LN-SY-HP', name: '和平区司法局' },
      started_at: '2026-10-06T00:42:00Z',
      milestone_at: '2026-10-22T19:31:00Z',
      on_time: false,
    },
  ]

  it('lists the cases of the figure, in Beijing time, on time or late in words, linked for caseworkers', async () => {
    const fetch = vi.fn((_url: RequestInfo | URL) => respond(cases))
    vi.stubGlobal('fetch', fetch)
    render(
      wrap(
        <DrillDrawer
          request={{ line: 'complaints', figure: 'counts.accepted' }}
          filters={filters}
          lang="zh"
          orgNames={new Map()}
          canOpenCases
          onClose={() => {}}
        />,
      ),
    )
    expect(await screen.findByText('共 2 件')).toBeInTheDocument()
    expect(String(fetch.mock.calls[0][0])).toBe(
      '/api/v1/figures/cases?line=complaints&figure=counts.accepted&organisation=LN-SY&from=2026-01-01&to=2026-11-25',
    )
    expect(screen.getByRole('link', { name: '打开案件 20260915-000241' })).toHaveAttribute('href', '/workbench/cases/241')
    const late = screen.getByText('20261006-000259').closest('tr')!
    expect(within(late).getByText('逾期')).toBeInTheDocument()
    expect(within(late).getByText('2026-10-23 03:31')).toBeInTheDocument()
  })

  it('shows case numbers without links to someone who cannot open the workbench, and a chart period', async () => {
    const fetch = vi.fn((_url: RequestInfo | URL) => respond(cases.slice(0, 1)))
    vi.stubGlobal('fetch', fetch)
    render(
      wrap(
        <DrillDrawer
          request={{ line: 'complaints', figure: 'counts.received', from: '2026-09-01', to: '2026-09-30' }}
          filters={filters}
          lang="zh"
          orgNames={new Map()}
          canOpenCases={false}
          onClose={() => {}}
        />,
      ),
    )
    expect(await screen.findByText('共 1 件')).toBeInTheDocument()
    expect(String(fetch.mock.calls[0][0])).toContain('from=2026-09-01&to=2026-09-30')
    expect(screen.queryByRole('link', { name: /打开案件/ })).not.toBeInTheDocument()
    expect(screen.getByText('20260915-000241')).toBeInTheDocument()
  })
})
