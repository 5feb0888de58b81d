import { describe, expect, it } from 'vitest'

import { LINE_DEFS, targetOf } from './lines'

describe('rate targets', () => {
  const excellent = LINE_DEFS['legal-aid'].rates.find((rate) => rate.path === 'satisfaction.excellent_rate')!

  it('are read from the answer, as the server states them', () => {
    const answer = { satisfaction: { excellent_rate: 80 }, targets: { satisfaction_excellent: 85 } }
    expect(targetOf(excellent, answer)).toBe(85)
  })

  it('are absent, not guessed, when the answer states none', () => {
    expect(targetOf(excellent, { satisfaction: { excellent_rate: 80 } })).toBeNull()
    const agreement = LINE_DEFS.mediation.rates.find((rate) => rate.path === 'rates.agreement_rate')!
    expect(targetOf(agreement, { targets: { acceptance_rate: 100 } })).toBeNull()
  })

  it('of every line live in its answer’s targets block', () => {
    const targeted = Object.values(LINE_DEFS).flatMap((line) => line.rates.filter((rate) => rate.target))
    expect(targeted.length).toBe(7)
    for (const rate of targeted) expect(rate.target).toMatch(/^targets\.\w+$/)
  })
})
