/**
 * Choosing an organisation from the tree (province > city > county > township). A native
 * <select> with the tree shown by indentation: on a phone it opens the system picker, which is
 * big, familiar and costs nothing to download.
 */
import { useQuery } from '@tanstack/react-query'
import type { CSSProperties } from 'react'

import { api } from '../app/api'
import type { Lang } from '../app/i18n'
import type { OrganisationRef } from '../app/types'

export interface Organisation extends OrganisationRef {
  parent: number | null
}

export function useOrganisations(enabled = true) {
  return useQuery({
    queryKey: ['organisations'],
    queryFn: () => api<Organisation[]>('/organisations'),
    staleTime: 600_000,
    retry: false,
    enabled,
  })
}

/** The tree in display order (parents before children), each with its depth. */
export function treeOrder(list: Organisation[]): { org: Organisation; depth: number }[] {
  const ids = new Set(list.map((org) => org.id))
  const children = new Map<number | null, Organisation[]>()
  for (const org of list) {
    const parent = org.parent !== null && ids.has(org.parent) ? org.parent : null
    children.set(parent, [...(children.get(parent) ?? []), org])
  }
  const out: { org: Organisation; depth: number }[] = []
  const walk = (parent: number | null, depth: number) => {
    for (const org of children.get(parent) ?? []) {
      out.push({ org, depth })
      walk(org.id, depth + 1)
    }
  }
  walk(null, 0)
  return out
}

export const selectStyle: CSSProperties = {
  width: '100%',
  minHeight: 48,
  fontSize: 16,
  padding: '8px 10px',
  border: '1px solid #8c8c8c',
  borderRadius: 8,
  background: '#fff',
  color: 'rgba(0,0,0,.88)',
}

interface Props {
  id: string
  organisations: Organisation[]
  /** Given by antd's Form.Item when the select sits in one. */
  value?: number | null
  onChange?: (value: number | null) => void
  lang: Lang
  describedBy?: string
  placeholder?: string
}

export function OrganisationSelect({ id, organisations, value, onChange, lang, describedBy, placeholder }: Props) {
  return (
    <select
      id={id}
      value={value ?? ''}
      aria-describedby={describedBy}
      onChange={(event) => onChange?.(event.target.value ? Number(event.target.value) : null)}
      style={selectStyle}
    >
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {treeOrder(organisations).map(({ org, depth }) => (
        <option key={org.id} value={org.id}>
          {'\u3000'.repeat(depth)}
          {lang === 'en' ? org.name_en || org.name : org.name}
        </option>
      ))}
    </select>
  )
}
