import { beforeEach, describe, expect, it } from 'vitest'

import { loadDefaultGroup, saveDefaultGroup } from './settings'

describe('the default group setting', () => {
  beforeEach(() => localStorage.clear())

  it('is kept in this browser until cleared', () => {
    expect(loadDefaultGroup()).toBe('')
    saveDefaultGroup('caseworker')
    expect(loadDefaultGroup()).toBe('caseworker')
    saveDefaultGroup('')
    expect(loadDefaultGroup()).toBe('')
  })

  it('ignores a stored name that is not a role the deploy accepts', () => {
    localStorage.setItem('lexflow.designer.defaultGroup', 'janitor')
    expect(loadDefaultGroup()).toBe('')
  })
})
