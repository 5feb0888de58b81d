import { describe, expect, it } from 'vitest'

import type { CaseMigration, MigrationReport, ProcessVersion } from './api'
import {
  defaultVersions,
  groupByStep,
  mappingChanged,
  mappingToSend,
  nextMapping,
  standingSteps,
  summarize,
  targetOptions,
  targetVersions,
  unmappedSteps,
} from './migration'

const review = { id: 'review', type: 'userTask', name: '审查 / Review' }
const timer = { id: 'review_timeout', type: 'boundaryEvent', name: '超时 / Overdue' }
const approve = { id: 'approve', type: 'userTask', name: '审批 / Approve' }
const wait = { id: 'wait', type: 'intermediateCatchEvent', name: '等待 / Wait' }

function item(id: number, outcome: CaseMigration['outcome'], current = [timer, review]): CaseMigration {
  return { id, business_key: `K-${id}`, stage: '', outcome, reason: '', current, removed: [], mapped: {}, changes: [] }
}

function version(v: number, running: number, retired = false): ProcessVersion {
  return {
    key: 'p',
    version: v,
    name: 'P',
    digest: '',
    is_public: true,
    retired,
    default_group: '',
    deployed_by: null,
    deployed_at: '2026-03-09T09:00:00+08:00',
    instance_count: running,
    running_count: running,
    files: [],
  }
}

const report: MigrationReport = {
  process: 'p',
  from_version: 1,
  to_version: 2,
  dry_run: true,
  mapping: {},
  cases: [item(1, 'movable'), item(2, 'refused'), item(3, 'movable', [approve])],
  movable: [1, 3],
  moved: [],
  refused: [{ id: 2, reason: 'no step review' }],
  failed: [],
  removed_steps: [{ ...review, suggestion: 'review_v2', cases: [2] }],
  targets: [approve, { id: 'review_v2', type: 'userTask', name: '审查 / Review' }, wait],
}

describe('the migration screen', () => {
  it('groups cases by the step they stand at, not by the boundary timers on it', () => {
    expect(standingSteps(item(1, 'movable')).map((s) => s.id)).toEqual(['review'])
    const groups = groupByStep(report.cases)
    expect(groups.map((g) => [g.key, g.cases.map((c) => c.id)])).toEqual([
      ['review', [2, 1]], // the group with a case that cannot move first, that case first
      ['approve', [3]],
    ])
    expect(groups[0].counts).toEqual({ movable: 1, moved: 0, refused: 1, failed: 0 })
  })

  it('keeps a case waiting only on an event in a group of its own', () => {
    const groups = groupByStep([item(4, 'movable', [wait]), item(5, 'movable', [review, approve])])
    expect(groups.map((g) => g.key).sort()).toEqual(['approve+review', 'wait'])
  })

  it('offers to move from the newest version with running cases to the newest not retired', () => {
    expect(defaultVersions([version(3, 0), version(2, 4), version(1, 2)])).toEqual({ from: 2, to: 3 })
    expect(defaultVersions([version(3, 0, true), version(2, 0), version(1, 5)])).toEqual({ from: 1, to: 2 })
    expect(targetVersions([version(3, 0, true), version(2, 0), version(1, 5)], 1).map((v) => v.version)).toEqual([2])
  })

  it('starts each removed step on the server’s suggestion and keeps what the designer chose', () => {
    expect(nextMapping({}, report.removed_steps)).toEqual({ review: 'review_v2' })
    expect(nextMapping({ review: 'approve' }, report.removed_steps)).toEqual({ review: 'approve' })
    expect(unmappedSteps(report.removed_steps, {})).toHaveLength(1)
    expect(unmappedSteps(report.removed_steps, { review: 'approve' })).toHaveLength(0)
  })

  it('knows when the mapping changed since the dry run shown, and sends only mapped steps', () => {
    expect(mappingChanged(report, {})).toBe(false)
    expect(mappingChanged(report, { review: '' })).toBe(false)
    expect(mappingChanged(report, { review: 'approve' })).toBe(true)
    expect(mappingChanged({ ...report, mapping: { review: 'approve' } }, { review: 'approve' })).toBe(false)
    expect(mappingToSend({ review: 'approve', gone: '' })).toEqual({ review: 'approve' })
  })

  it('offers as targets only the new version’s steps of the same kind', () => {
    expect(targetOptions(review, report.targets).map((s) => s.id)).toEqual(['approve', 'review_v2'])
    expect(targetOptions(wait, report.targets).map((s) => s.id)).toEqual(['wait'])
  })

  it('counts the outcomes', () => {
    expect(summarize(report)).toEqual({ total: 3, movable: 2, moved: 0, refused: 1, failed: 0 })
  })
})
