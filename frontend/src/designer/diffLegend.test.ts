import { describe, expect, it } from 'vitest'

import { diffIsEmpty, diffMarkers, diffRows, KINDS, LEGEND, type ProcessDiff } from './diffLegend'

const diff: ProcessDiff = {
  from: 1,
  to: 2,
  added: [{ id: 'double_check', type: 'userTask', name: '复核 / Double check' }],
  removed: [{ id: 'old_flow', type: 'sequenceFlow', name: '' }],
  changed: [{ id: 'check_eligibility', type: 'userTask', name: '审查 / Check', changes: ["name: 'a' → 'b'"] }],
  files_changed: ['complaint.bpmn'],
}

describe('the diff legend', () => {
  it('marks removed elements on the old diagram, added on the new, changed on both', () => {
    expect(diffMarkers(diff)).toEqual({
      from: { old_flow: 'removed', check_eligibility: 'changed' },
      to: { double_check: 'added', check_eligibility: 'changed' },
    })
  })

  it('uses green for added, red for removed, amber for changed, each with its own symbol', () => {
    expect(LEGEND.added.color).toBe('#2e7d32')
    expect(LEGEND.removed.color).toBe('#c62828')
    expect(LEGEND.changed.color).toBe('#b26a00')
    const symbols = KINDS.map((kind) => LEGEND[kind].symbol)
    expect(new Set(symbols).size).toBe(3)
    expect(new Set(KINDS.map((kind) => LEGEND[kind].marker)).size).toBe(3)
  })

  it('lists changed elements first, then added and removed', () => {
    expect(diffRows(diff).map((row) => [row.kind, row.id])).toEqual([
      ['changed', 'check_eligibility'],
      ['added', 'double_check'],
      ['removed', 'old_flow'],
    ])
  })

  it('knows when two versions do not differ', () => {
    expect(diffIsEmpty({ ...diff, added: [], removed: [], changed: [], files_changed: [] })).toBe(true)
    expect(diffIsEmpty({ ...diff, added: [], removed: [], changed: [] })).toBe(false)
  })
})
