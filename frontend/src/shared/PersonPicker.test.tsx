import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import '../app/i18n'
import PersonPicker from './PersonPicker'

let people: unknown[] = []

beforeEach(() => {
  people = [{ id: 7, username: 'caseworker2', display_name: '赵磊 Zhao Lei', roles: ['caseworker'] }]
  vi.stubGlobal(
    'fetch',
    vi.fn(() => Promise.resolve(new Response(JSON.stringify(people), { headers: { 'Content-Type': 'application/json' } }))),
  )
})

afterEach(() => {
  vi.unstubAllGlobals()
})

function openPicker() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <QueryClientProvider client={client}>
      <PersonPicker id="to" aria-label="交给 / To" />
    </QueryClientProvider>,
  )
  fireEvent.mouseDown(screen.getByRole('combobox', { name: '交给 / To' }))
}

function listboxes(): Element[] {
  return [...document.querySelectorAll('[role="listbox"]')]
}

// axe's aria-input-field-name: antd draws the option list (#to_list) without a name of its own.
describe('the person picker', () => {
  it("names its option list with the field's label", async () => {
    openPicker()
    await screen.findByText(/赵磊/, {}, { timeout: 5000 })
    await waitFor(() => expect(listboxes().length).toBeGreaterThan(0))
    expect(document.getElementById('to_list')).toHaveAttribute('aria-label', '交给 / To')
    for (const list of listboxes()) expect(list).toHaveAttribute('aria-label', '交给 / To')
  })

  it('names the list also when nobody matches', async () => {
    people = []
    openPicker()
    await waitFor(() => expect(document.getElementById('to_list')).toHaveAttribute('aria-label', '交给 / To'), { timeout: 5000 })
  })
})
