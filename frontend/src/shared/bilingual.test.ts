import { describe, expect, it } from 'vitest'

import { localiseSchema, pickLang } from './bilingual'

describe('pickLang', () => {
  it('shows the half of "中文 / English" that matches the language', () => {
    expect(pickLang('审查中 / Under review', 'zh')).toBe('审查中')
    expect(pickLang('审查中 / Under review', 'en')).toBe('Under review')
  })
  it('splits after full-width punctuation without a space before the slash', () => {
    expect(pickLang('家庭人均月收入（元）/ Monthly income (CNY)', 'zh')).toBe('家庭人均月收入（元）')
    expect(pickLang('家庭人均月收入（元）/ Monthly income (CNY)', 'en')).toBe('Monthly income (CNY)')
    expect(pickLang('https://example.org/ path', 'en')).toBe('https://example.org/ path')
  })
  it('keeps text that has only one language', () => {
    expect(pickLang('南湖街道司法所', 'en')).toBe('南湖街道司法所')
    expect(pickLang('', 'zh')).toBe('')
  })
})

describe('localiseSchema', () => {
  it('localises titles at every depth but leaves values alone', () => {
    const schema = {
      title: '申请 / Apply',
      properties: { name: { title: '姓名 / Name', type: 'string', default: 'a / b' } },
    }
    expect(localiseSchema(schema, 'en')).toEqual({
      title: 'Apply',
      properties: { name: { title: 'Name', type: 'string', default: 'a / b' } },
    })
  })
})
