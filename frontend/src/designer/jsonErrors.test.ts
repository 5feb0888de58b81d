import { describe, expect, it } from 'vitest'

import { lineColumn, parseFormFile, parseJson } from './jsonErrors'

describe('form editor JSON errors', () => {
  it('parses good JSON', () => {
    expect(parseJson('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } })
  })

  it('reports the line of a missing comma', () => {
    const text = '{\n  "type": "object",\n  "title": "x"\n  "properties": {}\n}'
    const result = parseJson(text)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.line).toBe(4)
      expect(result.message).not.toMatch(/line \d+ column/)
    }
  })

  it('reports the line of a trailing comma', () => {
    const result = parseJson('{\n  "a": 1,\n  "b": 2,\n}\n')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.line).toBe(4)
  })

  it('points an unfinished file at its last line', () => {
    const result = parseJson('{\n  "a": {\n    "b": 1\n')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.line).toBe(3)
  })

  it('turns an offset into line and column', () => {
    expect(lineColumn('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 })
    expect(lineColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 })
  })

  it('wants a form file to hold an object', () => {
    const result = parseFormFile('[1, 2]')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toMatch(/JSON 对象/)
    expect(parseFormFile('{}').ok).toBe(true)
  })
})
