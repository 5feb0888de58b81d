import { describe, expect, it } from 'vitest'

import { rowClassName } from './rows'
import { task } from './testData'

describe('queue row highlighting', () => {
  it('leaves an ordinary row plain', () => {
    expect(rowClassName(task())).toBe('wb-row')
  })
  it('marks green-channel rows', () => {
    expect(rowClassName(task({ green_channel: true, priority: 95 }))).toBe('wb-row wb-row-green')
  })
  it('marks overdue rows, by the flag or by negative working days', () => {
    expect(rowClassName(task({ overdue: true, working_days_left: -2 }))).toBe('wb-row wb-row-overdue')
    expect(rowClassName(task({ overdue: false, working_days_left: -1 }))).toBe('wb-row wb-row-overdue')
  })
  it('marks rows due today, but not overdue ones as due today as well', () => {
    expect(rowClassName(task({ working_days_left: 0 }))).toBe('wb-row wb-row-today')
    expect(rowClassName(task({ working_days_left: 0, overdue: true }))).toBe('wb-row wb-row-overdue')
  })
  it('combines green channel, overdue and the keyboard selection', () => {
    expect(rowClassName(task({ green_channel: true, overdue: true, working_days_left: -1 }), true)).toBe(
      'wb-row wb-row-green wb-row-overdue wb-row-selected',
    )
  })
})
