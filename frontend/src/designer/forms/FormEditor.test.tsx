import '../i18n'

import { fireEvent, render, screen } from '@testing-library/react'
import { useState } from 'react'
import { describe, expect, it, vi } from 'vitest'

import type { FileSet } from '../files'
import FormEditor, { formPairs } from './FormEditor'

const GOOD = '{\n  "type": "object",\n  "title": "决定 / Decide",\n  "properties": {\n    "reason": {"type": "string", "title": "理由 / Reason"}\n  }\n}\n'

function Harness({ initial, onRemove = () => undefined }: { initial: FileSet; onRemove?: (names: string[]) => void }) {
  const [files, setFiles] = useState(initial)
  return (
    <FormEditor
      files={files}
      onChange={(name, text) => setFiles((current) => ({ ...current, [name]: text }))}
      onAdd={(added) => setFiles((current) => ({ ...current, ...added }))}
      onRemove={onRemove}
      serverErrors={[]}
    />
  )
}

describe('the form editor', () => {
  it('pairs schema and ui schema files by name', () => {
    expect(formPairs({ 'a.schema.json': '{}', 'a.uischema.json': '{}', 'b.schema.json': '{}', 'x.bpmn': '' })).toEqual([
      { base: 'a', schema: 'a.schema.json', uischema: 'a.uischema.json' },
      { base: 'b', schema: 'b.schema.json' },
    ])
  })

  it('reports a JSON error with its line, marks the line and keeps the last good preview', async () => {
    render(<Harness initial={{ 'decide.schema.json': GOOD, 'decide.uischema.json': '{}\n' }} />)
    expect(await screen.findByText('理由', {}, { timeout: 10000 })).toBeInTheDocument()
    const area = screen.getByLabelText('decide.schema.json 的内容')
    // drop the comma after the title (line 3): the parser stops at line 4
    fireEvent.change(area, { target: { value: GOOD.replace('Decide",', 'Decide"') } })
    const alert = (await screen.findByText(/JSON 格式错误/)).closest('[role="alert"]')
    expect(alert).toHaveTextContent('JSON 格式错误：第 4 行，第 3 列')
    expect(alert).toHaveTextContent(/after property value/)
    expect(area).toHaveAttribute('aria-invalid', 'true')
    expect(document.querySelector('.lexflow-code-error-line')).toHaveTextContent('4')
    expect(screen.getByText('文件有错误，预览显示的是上一次有效的内容')).toBeInTheDocument()
    expect(screen.getByText('理由')).toBeInTheDocument()
    // fixed again: the error goes away
    fireEvent.change(area, { target: { value: GOOD } })
    expect(screen.queryByText(/JSON 格式错误/)).not.toBeInTheDocument()
    expect(area).not.toHaveAttribute('aria-invalid')
  })

  it('adds a new form pair from a name', async () => {
    render(<Harness initial={{}} />)
    fireEvent.click(screen.getByRole('button', { name: /新建表单/ }))
    fireEvent.change(await screen.findByLabelText('表单名称'), { target: { value: 'review' } })
    fireEvent.click(screen.getByRole('button', { name: '创 建' }))
    expect(await screen.findByText('review.schema.json')).toBeInTheDocument()
  })

  it('deletes both files of a form after confirmation', async () => {
    const onRemove = vi.fn()
    render(<Harness initial={{ 'decide.schema.json': GOOD, 'decide.uischema.json': '{}' }} onRemove={onRemove} />)
    fireEvent.click(screen.getByRole('button', { name: /删除表单/ }))
    fireEvent.click(await screen.findByRole('button', { name: '删除表单' }))
    expect(onRemove).toHaveBeenCalledWith(['decide.schema.json', 'decide.uischema.json'])
  })
})

describe('the form editor and declared fields', () => {
  it('says, as the designer types, that a deploy would refuse a form letting undeclared fields in', async () => {
    render(<Harness initial={{ 'decide.schema.json': GOOD, 'decide.uischema.json': '{}\n' }} />)
    const area = screen.getByLabelText('decide.schema.json 的内容')
    expect(screen.queryByText(/部署会拒绝此表单/)).not.toBeInTheDocument()
    fireEvent.change(area, { target: { value: GOOD.replace('"type": "object",', '"type": "object", "additionalProperties": true,') } })
    const alert = (await screen.findByText(/部署会拒绝此表单/)).closest('.ant-alert')
    expect(alert).toHaveTextContent('表单允许表单没有声明的字段（additionalProperties）')
    fireEvent.change(area, { target: { value: GOOD } })
    expect(screen.queryByText(/部署会拒绝此表单/)).not.toBeInTheDocument()
  })
})
