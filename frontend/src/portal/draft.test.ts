import { describe, expect, it } from 'vitest'

import { hasAnswers, resumeFrom, type Draft } from './draft'

const draft = (data: Record<string, unknown>, step: number): Draft => ({ process: 'legal_aid_application', data, step, updated_at: '2026-03-09T10:00:00+08:00' })
const defaults = { channel: 'online', applicant: { name: '张三' } }

describe('resuming an application', () => {
  it('starts a new application at the first step with the defaults', () => {
    expect(resumeFrom(null, 6, defaults)).toEqual({ data: defaults, step: 0, resumed: false })
  })

  it('carries on at the saved step with the saved answers over the defaults', () => {
    const saved = draft({ applicant: { id_number: '210102198005121236' }, case_type: 'labour' }, 3)
    expect(resumeFrom(saved, 6, defaults)).toEqual({
      data: { channel: 'online', applicant: { name: '张三', id_number: '210102198005121236' }, case_type: 'labour' },
      step: 3,
      resumed: true,
    })
  })

  it('keeps the applicant’s own answer rather than a default', () => {
    const saved = draft({ applicant: { name: '张小三' }, channel: 'online' }, 1)
    expect(resumeFrom(saved, 6, defaults).data.applicant).toEqual({ name: '张小三' })
  })

  it('may resume on the review step but never past it, nor before the first', () => {
    expect(resumeFrom(draft({}, 6), 6).step).toBe(6)
    expect(resumeFrom(draft({}, 40), 6).step).toBe(6) // a shorter new version of the form
    expect(resumeFrom(draft({}, -2), 6).step).toBe(0)
    expect(resumeFrom(draft({}, Number.NaN), 6).step).toBe(0)
  })

  it('lets a link fill in what it was opened for, over the draft', () => {
    const saved = draft({ related_case: '20260301-000001', facts: '收费不透明' }, 2)
    expect(resumeFrom(saved, 5, {}, { related_case: '20260309-000007' })).toMatchObject({
      data: { related_case: '20260309-000007', facts: '收费不透明' },
      step: 2,
    })
  })

  it('ignores a draft whose data is not an object', () => {
    expect(resumeFrom({ ...draft({}, 2), data: [] as never }, 5, defaults)).toEqual({ data: defaults, step: 0, resumed: false })
  })

  it('knows whether anything was typed beyond the defaults', () => {
    expect(hasAnswers(defaults, defaults)).toBe(false)
    expect(hasAnswers({ ...defaults, matter: 'x' }, defaults)).toBe(true)
  })
})
