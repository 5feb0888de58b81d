import { describe, expect, it } from 'vitest'

import './i18n'
import { countdownText, countdownTone } from './countdown'

describe('the working-day countdown', () => {
  it('counts the working days left in Chinese and English', () => {
    expect(countdownText(3, 'zh')).toBe('剩 3 个工作日')
    expect(countdownText(3, 'en')).toBe('3 working days left')
    expect(countdownText(1, 'en')).toBe('1 working day left')
    expect(countdownText(1, 'zh')).toBe('剩 1 个工作日')
  })

  it('says a task due today is due today', () => {
    expect(countdownText(0, 'zh')).toBe('今日到期')
    expect(countdownText(0, 'en')).toBe('Due today')
  })

  it('counts the working days overdue once the due date has passed', () => {
    expect(countdownText(-2, 'zh')).toBe('逾期 2 个工作日')
    expect(countdownText(-2, 'en')).toBe('2 working days overdue')
    expect(countdownText(-1, 'en')).toBe('1 working day overdue')
  })

  it('says so when there is no due date', () => {
    expect(countdownText(null, 'zh')).toBe('无期限')
    expect(countdownText(undefined, 'en')).toBe('No due date')
  })

  it('emphasises overdue and today, warns two days ahead', () => {
    expect([-3, -1, 0, 1, 2, 3, null].map(countdownTone)).toEqual(['overdue', 'overdue', 'today', 'soon', 'soon', 'normal', 'none'])
  })
})
