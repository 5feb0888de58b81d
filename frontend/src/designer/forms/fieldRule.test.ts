import { describe, expect, it } from 'vitest'

import { formLeaks } from './fieldRule'

const shipped = import.meta.glob('../../../../bpmn/*/forms/*.schema.json', { eager: true, import: 'default' })

describe('the form rule on declared fields (same as the deploy)', () => {
  it('passes every shipped form', () => {
    expect(Object.keys(shipped).length).toBeGreaterThan(30)
    for (const [name, schema] of Object.entries(shipped)) expect([name, formLeaks(schema)]).toEqual([name, []])
  })

  it.each([
    [{ type: 'object', additionalProperties: true, properties: { a: { type: 'string' } } }, '', 'the form lets undeclared fields through (additionalProperties)'],
    [{ type: 'object', properties: { a: { title: 'anything' } } }, 'a', 'field a has no type'],
    [{ type: 'object', properties: { a: { type: 'object' } } }, 'a', 'field a may hold an object but declares none of its fields'],
    [{ type: 'object', properties: { a: { type: 'array' } } }, 'a', 'list field a does not say what its entries hold'],
    [{ type: 'object', properties: { a: { type: 'array', items: { type: 'object' } } } }, 'a[]', 'field a[] may hold an object'],
    [{ type: 'object', properties: { case: { type: 'string' } } }, 'case', 'field case is the case block the server sets'],
    [{ type: 'object', patternProperties: { '^x': { type: 'string' } } }, '', 'patternProperties'],
  ])('refuses %j', (schema, field, says) => {
    const leaks = formLeaks(schema)
    expect(leaks.some((leak) => leak.field === field && leak.message.includes(says))).toBe(true)
    expect(leaks.every((leak) => leak.message.includes(' / '))).toBe(true)
  })

  it('accepts refs, conditions and choices that name every field', () => {
    const schema = {
      type: 'object',
      $defs: { person: { type: 'object', properties: { name: { type: 'string' } } } },
      properties: {
        who: { $ref: '#/$defs/person' },
        parties: { type: 'array', items: { $ref: '#/$defs/person' } },
        kind: { enum: ['a', 'b'] },
        choice: { oneOf: [{ const: 1 }, { const: 2 }] },
      },
      // eslint-disable-next-line unicorn/no-thenable -- JSON Schema's if/then, never awaited
      then: { properties: { reason: { type: 'string' } } },
    }
    expect(formLeaks(schema)).toEqual([])
  })
})
