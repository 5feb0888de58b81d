import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'

import '../app/i18n'
import SchemaForm, { toErrorSchema } from './SchemaForm'

const schema = {
  type: 'object',
  title: '申请 / Apply',
  required: ['name'],
  properties: {
    name: { type: 'string', title: '姓名 / Name' },
    age: { type: 'integer', title: '年龄 / Age', minimum: 18 },
  },
} as const

describe('SchemaForm', () => {
  it('shows the Chinese half of bilingual titles', () => {
    render(<SchemaForm schema={schema as never} />)
    expect(screen.getByLabelText(/姓名/)).toBeInTheDocument()
    expect(screen.queryByText(/Name/)).not.toBeInTheDocument()
  })

  it('says in Chinese what is wrong and does not submit', async () => {
    const onSubmit = vi.fn()
    render(<SchemaForm schema={schema as never} formData={{ age: 12 }} onSubmit={onSubmit} />)
    fireEvent.click(screen.getByRole('button', { name: /提\s?交/ }))
    await waitFor(() => expect(screen.getByText('必填')).toBeInTheDocument())
    expect(screen.getByText('不能小于 18')).toBeInTheDocument()
    expect(onSubmit).not.toHaveBeenCalled()
  })

  it("puts the server's field errors on their fields", () => {
    render(<SchemaForm schema={schema as never} serverErrors={{ 'data.name': ['已被使用 / Taken'] }} />)
    expect(screen.getByText('已被使用 / Taken')).toBeInTheDocument()
  })
})

describe('choices', () => {
  it('leaves a decision unchosen until the user chooses', async () => {
    const decision = {
      type: 'object',
      required: ['outcome'],
      properties: {
        outcome: {
          type: 'string',
          title: '决定 / Decision',
          oneOf: [
            { const: 'grant', title: '给予法律援助 / Grant legal aid' },
            { const: 'refuse', title: '不予法律援助 / Refuse legal aid' },
          ],
        },
      },
    }
    const onSubmit = vi.fn()
    render(<SchemaForm schema={decision as never} uiSchema={{ outcome: { 'ui:widget': 'radio' } }} onSubmit={onSubmit} />)
    for (const radio of screen.getAllByRole('radio')) expect(radio).not.toBeChecked()
    fireEvent.click(screen.getByRole('button', { name: /提\s?交/ }))
    await waitFor(() => expect(screen.getByText('必填')).toBeInTheDocument())
    expect(onSubmit).not.toHaveBeenCalled()
  })
})

describe('rjsf words', () => {
  it('names the list buttons in Chinese', () => {
    const list = {
      type: 'object',
      properties: { items: { type: 'array', title: '材料 / Materials', items: { type: 'string' } } },
    }
    render(<SchemaForm schema={list as never} />)
    expect(screen.getByTitle('添加一项')).toBeInTheDocument()
  })
})

describe('toErrorSchema', () => {
  it('nests dotted paths the way rjsf wants them', () => {
    expect(toErrorSchema({ 'applicant.id_number': ['bad'] })).toEqual({
      applicant: { id_number: { __errors: ['bad'] } },
    })
  })
})

describe('what a form sends', () => {
  it('submits only the fields the form declares, whatever it was started from', async () => {
    const onSubmit = vi.fn()
    const startedFrom = { name: '张三', age: 30, approved: true, case: { organisation: 'FORGED' } }
    render(<SchemaForm schema={schema as never} formData={startedFrom} onSubmit={onSubmit} />)
    fireEvent.click(screen.getByRole('button', { name: /提\s?交/ }))
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith({ name: '张三', age: 30 }))
  })
})
