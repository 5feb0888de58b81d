import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import type { WidgetProps } from '@rjsf/utils'
import { useState } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'

import '../app/i18n'

const calls: { form: FormData; progress?: (percent: number) => void; resolve: (value: unknown) => void }[] = []
vi.mock('../app/api', async (original) => ({
  ...(await original<Record<string, unknown>>()),
  upload: (_path: string, form: FormData, progress?: (percent: number) => void) =>
    new Promise((resolve) => calls.push({ form, progress, resolve })),
  api: () => Promise.resolve([]),
}))

const { default: AttachmentsWidget, checkFile, MAX_FILE_BYTES } = await import('./AttachmentsWidget')

const file = (name: string, size: number, type: string) => {
  const made = new File(['x'], name, { type })
  Object.defineProperty(made, 'size', { value: size })
  return made
}

function Harness({ onValue, maxItems }: { onValue: (value: unknown) => void; maxItems?: number }) {
  const [value, setValue] = useState<string[] | undefined>()
  const props = {
    id: 'root_documents',
    name: 'documents',
    value,
    onChange: (next: string[] | undefined) => {
      setValue(next)
      onValue(next)
    },
    schema: { type: 'array', maxItems, items: { type: 'string', format: 'uuid' } },
    options: {},
    label: '证明材料',
    onBlur: () => {},
    onFocus: () => {},
    registry: {},
  }
  return (
    <QueryClientProvider client={new QueryClient()}>
      <AttachmentsWidget {...(props as unknown as WidgetProps)} />
    </QueryClientProvider>
  )
}

describe('checkFile', () => {
  it('accepts PDF, JPG, PNG, DOC and DOCX up to 10 MiB', () => {
    expect(checkFile({ name: '身份证.PDF', size: 1000, type: 'application/pdf' })).toBeNull()
    expect(checkFile({ name: 'photo.jpeg', size: 1000, type: 'image/jpeg' })).toBeNull()
    expect(checkFile({ name: 'scan.png', size: MAX_FILE_BYTES, type: 'image/png' })).toBeNull()
    expect(checkFile({ name: '说明.doc', size: 1000, type: 'application/msword' })).toBeNull()
    expect(checkFile({ name: 'statement.docx', size: 1000, type: '' })).toBeNull()
  })

  it('refuses other types, whatever they claim to be, and files over 10 MiB or empty', () => {
    expect(checkFile({ name: 'video.mp4', size: 1000, type: 'video/mp4' })).toBe('badType')
    expect(checkFile({ name: 'noext', size: 1000, type: 'application/pdf' })).toBe('badType')
    expect(checkFile({ name: 'fake.pdf', size: 1000, type: 'text/html' })).toBe('badType')
    expect(checkFile({ name: 'photo.heic', size: 1000, type: 'image/heic' })).toBe('badType')
    expect(checkFile({ name: 'big.pdf', size: MAX_FILE_BYTES + 1, type: 'application/pdf' })).toBe('tooBig')
    expect(checkFile({ name: 'empty.pdf', size: 0, type: 'application/pdf' })).toBe('empty')
  })
})

describe('AttachmentsWidget', () => {
  beforeEach(() => {
    calls.length = 0
  })

  it('says why a file is refused and uploads nothing', async () => {
    const onValue = vi.fn()
    render(<Harness onValue={onValue} />)
    fireEvent.change(screen.getByTestId('root_documents-input'), {
      target: { files: [file('video.mp4', 100, 'video/mp4'), file('huge.pdf', MAX_FILE_BYTES + 1, 'application/pdf')] },
    })
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('“video.mp4”的格式不支持')
    expect(alert).toHaveTextContent('“huge.pdf”超过 10 MB')
    expect(calls).toHaveLength(0)
    expect(onValue).not.toHaveBeenCalled()
  })

  it('shows progress while uploading, then lists the file with a remove button', async () => {
    const onValue = vi.fn()
    render(<Harness onValue={onValue} />)
    fireEvent.change(screen.getByTestId('root_documents-input'), { target: { files: [file('合同.pdf', 2048, 'application/pdf')] } })
    expect(calls).toHaveLength(1)
    expect((calls[0].form.get('file') as File).name).toBe('合同.pdf')
    act(() => calls[0].progress?.(40))
    expect(screen.getByText('正在上传 合同.pdf')).toBeInTheDocument()
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40')

    await act(async () => calls[0].resolve({ id: '0b7c8a52-0000-4000-8000-000000000001', name: '合同.pdf', size: 2048 }))
    expect(onValue).toHaveBeenLastCalledWith(['0b7c8a52-0000-4000-8000-000000000001'])
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument()
    expect(screen.getByRole('link', { name: /合同\.pdf/ })).toHaveAttribute('href', '/api/v1/attachments/0b7c8a52-0000-4000-8000-000000000001')

    fireEvent.click(screen.getByRole('button', { name: '删除 合同.pdf' }))
    await waitFor(() => expect(onValue).toHaveBeenLastCalledWith(undefined))
    expect(screen.queryByRole('link', { name: /合同\.pdf/ })).not.toBeInTheDocument()
  })

  it('keeps both files when two uploads finish together', async () => {
    const onValue = vi.fn()
    render(<Harness onValue={onValue} />)
    fireEvent.change(screen.getByTestId('root_documents-input'), {
      target: { files: [file('a.pdf', 10, 'application/pdf'), file('b.png', 10, 'image/png')] },
    })
    expect(calls).toHaveLength(2)
    await act(async () => {
      calls[1].resolve({ id: 'id-b', name: 'b.png', size: 10 })
      calls[0].resolve({ id: 'id-a', name: 'a.pdf', size: 10 })
    })
    expect(onValue).toHaveBeenLastCalledWith(['id-b', 'id-a'])
  })

  it('stops at the most files the form allows', () => {
    render(<Harness onValue={vi.fn()} maxItems={1} />)
    fireEvent.change(screen.getByTestId('root_documents-input'), {
      target: { files: [file('a.pdf', 10, 'application/pdf'), file('b.pdf', 10, 'application/pdf')] },
    })
    expect(calls).toHaveLength(1)
    expect(screen.getByRole('alert')).toHaveTextContent('最多上传 1 个文件')
  })
})
