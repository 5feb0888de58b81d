import { describe, expect, it } from 'vitest'

import { actionsOf, actionsValue, toggleAction } from './taskActions'

describe("a user task's operations", () => {
  it('defaults to every operation on a staff task and comment, copy, urge on an applicant task', () => {
    expect(actionsOf(undefined, false)).toEqual(['transfer', 'delegate', 'return', 'withdraw', 'consult', 'copy', 'comment', 'urge'])
    expect(actionsOf(undefined, true)).toEqual(['copy', 'comment', 'urge'])
    expect(actionsOf('none', false)).toEqual([])
    expect(actionsOf(' return , comment ', false)).toEqual(['return', 'comment'])
  })

  it('writes the property only when the choice differs from the defaults', () => {
    expect(toggleAction(undefined, false, 'delegate', false)).toBe('transfer,return,withdraw,consult,copy,comment,urge')
    expect(toggleAction('transfer,return,withdraw,consult,copy,comment,urge', false, 'delegate', true)).toBeUndefined()
    expect(toggleAction('comment', false, 'comment', false)).toBe('none')
    expect(actionsValue(['urge', 'return'], false)).toBe('return,urge')
  })
})
