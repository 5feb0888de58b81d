import { DatePicker, Radio, Select, Tag } from 'antd'
import dayjs from 'dayjs'
import { useTranslation } from 'react-i18next'

import type { Lang } from '../app/i18n'
import { PRESETS, presetOf, presetPeriod, type Filters, type Preset, type ScopedOrganisation } from './logic'

interface Props {
  filters: Filters
  organisations: ScopedOrganisation[]
  loadingOrganisations: boolean
  lang: Lang
  onChange: (patch: Partial<Filters>) => void
}

export function orgName(org: { name: string; name_en?: string }, lang: Lang): string {
  return lang === 'en' && org.name_en ? org.name_en : org.name
}

/** Organisation (the user's and everything below), period presets and the dates themselves. */
export function FiltersBar({ filters, organisations, loadingOrganisations, lang, onChange }: Props) {
  const { t } = useTranslation('dashboard')
  const preset = presetOf(filters)
  const options = organisations.map((org) => ({ value: org.code, label: orgName(org, lang), depth: org.depth }))
  if (!options.some((option) => option.value === filters.organisation) && filters.organisation) {
    options.push({ value: filters.organisation, label: filters.organisation, depth: 0 })
  }

  return (
    <section aria-label={t('filters.label')} className="lf-dash-filters">
      <div className="lf-dash-field lf-dash-field-wide">
        <label htmlFor="dash-organisation">{t('filters.organisation')}</label>
        <Select
          id="dash-organisation"
          value={filters.organisation || undefined}
          loading={loadingOrganisations}
          options={options}
          showSearch={{ optionFilterProp: 'label' }}
          className="lf-dash-organisation"
          popupMatchSelectWidth={false}
          optionRender={(option) => (
            <span style={{ paddingLeft: (option.data.depth ?? 0) * 16 }}>{option.label}</span>
          )}
          onChange={(value: string) => onChange({ organisation: value })}
        />
      </div>
      <div className="lf-dash-field lf-dash-field-wide">
        <span id="dash-period-label">{t('filters.period')}</span>
        <Radio.Group
          aria-labelledby="dash-period-label"
          optionType="button"
          value={preset ?? undefined}
          options={PRESETS.map((value: Preset) => ({ value, label: t(`filters.${value}`) }))}
          onChange={(event) => onChange(presetPeriod(event.target.value as Preset))}
        />
        {!preset && <Tag>{t('filters.custom')}</Tag>}
      </div>
      <div className="lf-dash-field">
        <label htmlFor="dash-from">{t('filters.from')}</label>
        <DatePicker
          id="dash-from"
          value={dayjs(filters.from)}
          allowClear={false}
          format="YYYY-MM-DD"
          disabledDate={(day) => day.format('YYYY-MM-DD') > filters.to}
          onChange={(day) => day && onChange({ from: day.format('YYYY-MM-DD') })}
        />
      </div>
      <div className="lf-dash-field">
        <label htmlFor="dash-to">{t('filters.to')}</label>
        <DatePicker
          id="dash-to"
          value={dayjs(filters.to)}
          allowClear={false}
          format="YYYY-MM-DD"
          disabledDate={(day) => day.format('YYYY-MM-DD') < filters.from}
          onChange={(day) => day && onChange({ to: day.format('YYYY-MM-DD') })}
        />
      </div>
    </section>
  )
}
