import '../app/i18n'
import './i18n'

import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { ArchivePanel, type ArchiveRates } from './ArchivePanel'

const RATES: ArchiveRates = {
  target: 100,
  rows: [
    {
      process: 'complaint',
      process_name: '投诉处理 / Complaint handling',
      organisation: { id: 3, code: 'LN-SY-HP', name: '和平区司法局' },
      closed: 12,
      archived: 12,
      rate: 100,
      meets_target: true,
    },
    {
      process: 'legal_aid_application',
      process_name: '法律援助申请审查 / Legal aid application',
      organisation: { id: 5, code: 'LN-SY-HP-NH', name: '南湖街道司法所' },
      closed: 8,
      archived: 6,
      rate: 75,
      meets_target: false,
    },
  ],
  total: { closed: 20, archived: 18, rate: 90, meets_target: false },
}

function respond(body: unknown, status = 200) {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }))
}

function wrap(children: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>
}

const filters = { organisation: 'LN-SY', from: '2026-01-01', to: '2026-11-25' }

afterEach(() => vi.unstubAllGlobals())

describe('the archive panel', () => {
  it('shows each line and organisation against the 100% target, in words', async () => {
    const fetch = vi.fn((_url: RequestInfo | URL) => respond(RATES))
    vi.stubGlobal('fetch', fetch)
    render(wrap(<ArchivePanel filters={filters} lang="zh" orgNames={new Map([['LN-SY-HP-NH', '南湖街道司法所']])} />))

    const behind = (await screen.findByText('法律援助申请审查')).closest('tr')!
    expect(String(fetch.mock.calls[0][0])).toBe('/api/v1/figures/archives?organisation=LN-SY&from=2026-01-01&to=2026-11-25')
    expect(within(behind).getByText('南湖街道司法所')).toBeInTheDocument()
    expect(within(behind).getByText('8')).toBeInTheDocument()
    expect(within(behind).getByText(/75% · 低于目标/)).toHaveTextContent('75% · 低于目标 (目标 100%)')
    const done = screen.getByText('投诉处理').closest('tr')!
    expect(within(done).getByText(/100% · 达标/)).toBeInTheDocument()
    // The whole scope: 18 of 20, below the plan.
    expect(screen.getByRole('heading', { name: /卷宗归档率/ })).toHaveTextContent('90% · 低于目标')
    expect(screen.getByText('合计').closest('tr')).toHaveTextContent('合计201890%')
  })

  it('says when nothing closed in the period, without a rate', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => respond({ target: 100, rows: [], total: { closed: 0, archived: 0, rate: null, meets_target: null } })),
    )
    render(wrap(<ArchivePanel filters={filters} lang="en" orgNames={new Map()} />))
    expect(await screen.findByText('该期间没有办结的案件')).toBeInTheDocument()
    expect(screen.queryByText(/低于目标/)).not.toBeInTheDocument()
  })
})
