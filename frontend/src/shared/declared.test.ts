import { describe, expect, it } from 'vitest'

import { declaredData } from './declared'

const form = {
  type: 'object',
  $defs: { person: { type: 'object', properties: { name: { type: 'string' } } } },
  properties: {
    decision: { type: 'string' },
    applicant: { type: 'object', properties: { phone: { type: 'string' } } },
    parties: { type: 'array', items: { $ref: '#/$defs/person' } },
    files: { type: 'array', items: { type: 'string' } },
  },
  if: { properties: { decision: { const: 'refuse' } } },
  // eslint-disable-next-line unicorn/no-thenable -- JSON Schema's if/then, never awaited
  then: { properties: { reasons: { type: 'string' } } },
}

describe('declaredData', () => {
  it('keeps only the fields the form declares, at every level, and never the case block', () => {
    const values = {
      decision: 'refuse',
      reasons: '材料不全',
      approved: true,
      case: { organisation: 'FORGED' },
      applicant: { phone: '024-1234567', name: '张三' },
      parties: [{ name: '李四', id_number: 'x' }],
      files: ['a', 'b'],
    }
    expect(declaredData(form, values)).toEqual({
      decision: 'refuse',
      reasons: '材料不全',
      applicant: { phone: '024-1234567' },
      parties: [{ name: '李四' }],
      files: ['a', 'b'],
    })
  })

  it('sends nothing for a step without a form', () => {
    expect(declaredData(null, { note: 'x' })).toEqual({})
  })
})
