/** How a queue row looks: green-channel and overdue rows stand out (colour plus a text tag). */
import type { Task } from '../app/types'
import { countdownTone } from './countdown'

export function isOverdue(task: Pick<Task, 'overdue' | 'working_days_left'>): boolean {
  return Boolean(task.overdue) || (typeof task.working_days_left === 'number' && task.working_days_left < 0)
}

export function isDueToday(task: Pick<Task, 'overdue' | 'working_days_left'>): boolean {
  return !isOverdue(task) && countdownTone(task.working_days_left) === 'today'
}

export function rowClassName(task: Task, selected = false): string {
  const classes = ['wb-row']
  if (task.green_channel) classes.push('wb-row-green')
  if (isOverdue(task)) classes.push('wb-row-overdue')
  else if (isDueToday(task)) classes.push('wb-row-today')
  if (selected) classes.push('wb-row-selected')
  return classes.join(' ')
}
