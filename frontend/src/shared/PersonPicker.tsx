/**
 * Choose a colleague by name (转办, 委派, 指派, 抄送, 加签, 代理人): a search box over the staff the
 * server says are in the caller's scope (`GET /people`), narrowed to those who may take a task
 * (`task`) or who see a case (`instance`). The value is a username, or several.
 */
import { useQuery } from '@tanstack/react-query'
import { Select } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'

import { api } from '../app/api'
import { addResources } from '../app/i18n'
import type { UserRef } from '../app/types'
import { namedPopup } from './NamedListbox'

addResources('people', {
  zh: { placeholder: '输入姓名或用户名搜索', none: '没有符合条件的人员' },
  en: { placeholder: 'Type a name or username', none: 'Nobody matches' },
})

export interface Person extends UserRef {
  roles: string[]
}

export interface PersonPickerProps {
  /** only people the task may go to */
  task?: number
  /** only staff who see this case */
  instance?: number
  multiple?: boolean
  value?: string | string[]
  onChange?: (value: string | string[]) => void
  id?: string
  'aria-label'?: string
  /** leave out these usernames (the caller, the present holder) */
  exclude?: string[]
}

/** "王芳 Wang Fang (caseworker · 承办人)": who they are and what they do. */
export function personLabel(person: Person, roleName: (role: string) => string): string {
  const roles = person.roles.map(roleName).join('、')
  const name = person.display_name && person.display_name !== person.username ? `${person.display_name} · ${person.username}` : person.username
  return roles ? `${name}（${roles}）` : name
}

export default function PersonPicker({ task, instance, multiple = false, value, onChange, id, exclude = [], ...rest }: PersonPickerProps) {
  const { t } = useTranslation('people')
  const { t: tc } = useTranslation()
  const [query, setQuery] = useState('')
  const people = useQuery({
    queryKey: ['people', query, task ?? null, instance ?? null],
    queryFn: () => api<Person[]>('/people', { query: { q: query, task, instance } }),
    staleTime: 30_000,
  })
  const options = (people.data ?? [])
    .filter((person) => !exclude.includes(person.username))
    .map((person) => ({ value: person.username, label: personLabel(person, (role) => tc(`role.${role}`, { defaultValue: role })) }))
  return (
    <Select
      id={id}
      aria-label={rest['aria-label']}
      popupRender={rest['aria-label'] ? namedPopup(rest['aria-label']) : undefined}
      mode={multiple ? 'multiple' : undefined}
      showSearch={{ filterOption: false, onSearch: setQuery }}
      value={value}
      onChange={(next) => onChange?.(next as string | string[])}
      options={options}
      loading={people.isFetching}
      placeholder={t('placeholder')}
      notFoundContent={people.isFetching ? tc('loading') : t('none')}
      style={{ width: '100%' }}
      allowClear
    />
  )
}
