/**
 * What each service line's panel shows, keyed by the dotted paths of its stats answer
 * (server/<line>/figures.py). A count key is also the `figure` of `GET /figures/cases`.
 */
import type { Line } from './logic'

export interface RateDef {
  /** dotted path of the rate (percent) in the stats answer */
  path: string
  /** dotted path of the rate's target (percent) in the stats answer: the server states each */
  target?: string
  numerator: string
  /** a count key, or null when the denominator is not itself a count of cases */
  denominator: string | null
  help: string
}

export interface LineDef {
  line: Line
  rates: RateDef[]
  counts: string[]
  /** numbers that are not counts of cases (no drill-down): path and how to show them */
  amounts?: { path: string; unit: 'cny' | 'count' }[]
  chart: string[]
}

export const LINE_DEFS: Record<Line, LineDef> = {
  complaints: {
    line: 'complaints',
    rates: [
      {
        path: 'rates.acceptance_rate',
        target: 'targets.acceptance_rate',
        numerator: 'counts.accepted',
        denominator: 'counts.eligible',
        help: 'acceptance',
      },
      {
        path: 'rates.reply_rate',
        target: 'targets.reply_rate',
        numerator: 'counts.replied',
        denominator: 'counts.accepted',
        help: 'reply',
      },
      {
        path: 'rates.on_time_acceptance_rate',
        numerator: 'counts.accepted_on_time',
        denominator: 'counts.accepted',
        help: 'onTimeAcceptance',
      },
      {
        path: 'rates.on_time_reply_rate',
        numerator: 'counts.replied_on_time',
        denominator: 'counts.replied',
        help: 'onTimeReply',
      },
      { path: 'rates.satisfaction_rate', numerator: 'satisfaction.satisfied', denominator: null, help: 'satisfaction' },
    ],
    counts: [
      'counts.received',
      'counts.eligible',
      'counts.ineligible',
      'ineligible.with_written_reason',
      'counts.accepted',
      'counts.accepted_on_time',
      'counts.replied',
      'counts.replied_on_time',
      'counts.acceptance_escalated',
      'counts.reply_escalated',
      'overdue',
      'satisfaction.satisfied',
      'satisfaction.not_satisfied',
      'satisfaction.no_answer',
    ],
    chart: ['counts.received', 'counts.eligible', 'counts.accepted', 'counts.replied', 'counts.ineligible', 'overdue'],
  },
  'legal-aid': {
    line: 'legal-aid',
    rates: [
      {
        path: 'decided_within_deadline.rate',
        target: 'targets.decided_within_deadline',
        numerator: 'decided_within_deadline.count',
        denominator: 'decided',
        help: 'decided',
      },
      {
        path: 'assigned_within_deadline.rate',
        target: 'targets.assigned_within_deadline',
        numerator: 'assigned_within_deadline.count',
        denominator: 'grants_assigned',
        help: 'assigned',
      },
      {
        path: 'satisfaction.excellent_rate',
        target: 'targets.satisfaction_excellent',
        numerator: 'satisfaction.excellent',
        denominator: 'satisfaction.count',
        help: 'excellent',
      },
    ],
    counts: [
      'received',
      'exempt',
      'advance_aid',
      'supplement_requested',
      'withdrawn',
      'decided',
      'granted',
      'refused',
      'decided_within_deadline.count',
      'grants_assigned',
      'assigned_within_deadline.count',
      'objections.filed',
      'objections.upheld',
      'objections.rejected',
      'closed',
      'subsidy.cases',
      'satisfaction.count',
      'overdue.undecided',
      'overdue.unassigned',
    ],
    amounts: [{ path: 'subsidy.total', unit: 'cny' }],
    chart: ['received', 'decided', 'granted', 'refused', 'grants_assigned', 'closed', 'overdue.undecided', 'overdue.unassigned'],
  },
  mediation: {
    line: 'mediation',
    rates: [
      {
        path: 'rates.acceptance_rate',
        target: 'targets.acceptance_rate',
        numerator: 'counts.accepted',
        denominator: 'counts.received',
        help: 'mediationAcceptance',
      },
      {
        path: 'rates.agreement_rate',
        numerator: 'counts.agreements',
        denominator: 'counts.concluded',
        help: 'agreement',
      },
      {
        path: 'rates.confirmation_rate',
        numerator: 'counts.confirmations_applied',
        denominator: 'counts.agreements',
        help: 'confirmation',
      },
    ],
    counts: [
      'counts.received',
      'counts.accepted',
      'counts.risk_escalations',
      'counts.escalations.administrative',
      'counts.escalations.judicial',
      'counts.agreements',
      'counts.agreements_by_level.people',
      'counts.agreements_by_level.administrative',
      'counts.concluded',
      'counts.overruns',
      'counts.confirmations_applied',
      'counts.overdue',
    ],
    chart: [
      'counts.received',
      'counts.accepted',
      'counts.escalations.administrative',
      'counts.escalations.judicial',
      'counts.agreements',
      'counts.concluded',
      'counts.overdue',
    ],
  },
  notary: {
    line: 'notary',
    rates: [
      {
        path: 'issued_within_deadline.rate',
        target: 'targets.issued_within_deadline',
        numerator: 'issued_within_deadline.count',
        denominator: 'certificates_issued',
        help: 'issued',
      },
      { path: 'green_channel.rate', numerator: 'green_channel.count', denominator: 'received', help: 'green' },
    ],
    counts: [
      'received',
      'accepted',
      'refused',
      'certificates_issued',
      'issued_within_deadline.count',
      'green_channel.count',
      'fee_waivers.waived',
      'fee_waivers.reduced',
      'visits',
      'returned_by_quality_check.self_check.cases',
      'returned_by_quality_check.review.cases',
      'returned_by_quality_check.spot_check.cases',
      'overdue',
    ],
    amounts: [
      { path: 'returned_by_quality_check.self_check.returns', unit: 'count' },
      { path: 'returned_by_quality_check.review.returns', unit: 'count' },
      { path: 'returned_by_quality_check.spot_check.returns', unit: 'count' },
    ],
    chart: ['received', 'accepted', 'certificates_issued', 'issued_within_deadline.count', 'green_channel.count', 'overdue'],
  },
}

/** The rate's target in percent, as the server states it in the answer. */
export function targetOf(rate: RateDef, answer: unknown): number | null {
  if (rate.target === undefined) return null
  let node: unknown = answer
  for (const part of rate.target.split('.')) {
    if (!node || typeof node !== 'object') return null
    node = (node as Record<string, unknown>)[part]
  }
  return typeof node === 'number' ? node : null
}
