/**
 * The migration screen's logic: which versions to offer, the dry run grouped by the step each
 * case stands at, the mapping of removed steps, and which cases a run moves.
 */
import type { CaseMigration, MigrationReport, ProcessVersion, RemovedStepSummary, StepRef } from './api'

/** A case stands at its tasks and events; the boundary events attached to them go where they go. */
export function standingSteps(item: CaseMigration): StepRef[] {
  const steps = item.current.filter((step) => step.type !== 'boundaryEvent')
  return steps.length ? steps : item.current
}

export interface StepGroup {
  /** the ids of the steps, joined: cases standing at the same steps share a group */
  key: string
  steps: StepRef[]
  cases: CaseMigration[]
  counts: Record<CaseMigration['outcome'], number>
}

const OUTCOME_ORDER: CaseMigration['outcome'][] = ['refused', 'failed', 'movable', 'moved']

/** Cases grouped by where they stand; groups with a case that cannot move come first, then the biggest. */
export function groupByStep(cases: CaseMigration[]): StepGroup[] {
  const groups = new Map<string, StepGroup>()
  for (const item of cases) {
    const steps = standingSteps(item)
    const key = steps.map((step) => step.id).sort().join('+')
    let group = groups.get(key)
    if (!group) {
      group = { key, steps, cases: [], counts: { movable: 0, moved: 0, refused: 0, failed: 0 } }
      groups.set(key, group)
    }
    group.cases.push(item)
    group.counts[item.outcome] += 1
  }
  const blocked = (group: StepGroup) => group.counts.refused + group.counts.failed > 0
  return [...groups.values()]
    .map((group) => ({
      ...group,
      cases: [...group.cases].sort(
        (a, b) => OUTCOME_ORDER.indexOf(a.outcome) - OUTCOME_ORDER.indexOf(b.outcome) || a.id - b.id,
      ),
    }))
    .sort((a, b) => Number(blocked(b)) - Number(blocked(a)) || b.cases.length - a.cases.length || a.key.localeCompare(b.key))
}

/**
 * The versions to preselect: move from the newest version that still has running cases (other
 * than the newest one) to the newest version that is not retired.
 */
export function defaultVersions(versions: ProcessVersion[]): { from: number | null; to: number | null } {
  const newestFirst = [...versions].sort((a, b) => b.version - a.version)
  const to = newestFirst.find((v) => !v.retired)?.version ?? null
  const from = newestFirst.find((v) => v.version !== to && v.running_count > 0)?.version ?? newestFirst.find((v) => v.version !== to)?.version ?? null
  return { from, to }
}

/** Versions cases can be moved to: not retired, not the one they are on. */
export function targetVersions(versions: ProcessVersion[], from: number | null): ProcessVersion[] {
  return versions.filter((v) => !v.retired && v.version !== from)
}

/**
 * The mapping after a dry run: what the designer chose stays (for steps still missing), each
 * other removed step starts on the server's suggestion (the new version's step at its place).
 */
export function nextMapping(current: Record<string, string>, removed: RemovedStepSummary[]): Record<string, string> {
  const next: Record<string, string> = {}
  for (const [source, target] of Object.entries(current)) next[source] = target
  for (const step of removed) {
    if (!next[step.id] && step.suggestion) next[step.id] = step.suggestion
  }
  return next
}

/** The removed steps the mapping does not send anywhere yet. */
export function unmappedSteps(removed: RemovedStepSummary[], mapping: Record<string, string>): RemovedStepSummary[] {
  return removed.filter((step) => !mapping[step.id])
}

/** Whether the dry run shown was made with the mapping as it is now (else check again before moving). */
export function mappingChanged(report: MigrationReport, mapping: Record<string, string>): boolean {
  const sent = Object.entries(report.mapping).filter(([, target]) => target)
  const now = Object.entries(mapping).filter(([, target]) => target)
  return sent.length !== now.length || now.some(([source, target]) => report.mapping[source] !== target)
}

/** The mapping as the API takes it: only steps mapped to something. */
export function mappingToSend(mapping: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(mapping).filter(([, target]) => Boolean(target)))
}

/** The steps of the new version a removed step may map to: those of the same kind (the server refuses others). */
export function targetOptions(step: StepRef, targets: StepRef[]): StepRef[] {
  return targets.filter((target) => target.type === step.type)
}

export interface Summary {
  total: number
  movable: number
  moved: number
  refused: number
  failed: number
}

export function summarize(report: MigrationReport): Summary {
  return {
    total: report.cases.length,
    movable: report.movable.length,
    moved: report.moved.length,
    refused: report.refused.length,
    failed: report.failed.length,
  }
}
