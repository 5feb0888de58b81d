import { afterEach, describe, expect, it } from 'vitest'

import { setLang } from '../../app/i18n'
import { translate } from './translate'

describe('bpmn-js in Chinese', () => {
  afterEach(() => setLang('zh'))

  it('translates the palette and the element types of the panel header', () => {
    setLang('zh')
    expect(translate('Create start event')).toBe('创建开始事件')
    expect(translate('User Task')).toBe('用户任务')
    expect(translate('Timer Boundary Event (Non Interrupting)')).toBe('计时器边界事件（非中断）')
    expect(translate('Something new')).toBe('Something new')
  })

  it('keeps English in English and fills in replacements', () => {
    setLang('en')
    expect(translate('User Task')).toBe('User Task')
    expect(translate('Element {id} is {what}', { id: 'a', what: 'b' })).toBe('Element a is b')
  })
})
