/**
 * A start form, one step at a time: which fields each step shows, the piece of the schema a step
 * renders, and the plain summary of the answers on the review step. Pure functions (no rjsf):
 * the validation that needs ajv lives in validate.ts.
 */
import type { Lang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'

export type Json = Record<string, unknown>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = Record<string, any>

export interface FormStep {
  key: string
  /** Bilingual titles of the step's fields (or the ui:steps group title first). */
  titles: string[]
  fields: string[]
}

/** At most this many short fields share a step; groups, lists and uploads get a step each. */
export const FIELDS_PER_STEP = 3

function properties(schema: Schema): Record<string, Schema> {
  return (schema?.properties ?? {}) as Record<string, Schema>
}

/** The top-level fields in display order: `ui:order` (with its optional "*"), then the rest. */
export function orderedFields(schema: Schema, uiSchema: Schema = {}): string[] {
  const keys = Object.keys(properties(schema))
  const order: string[] = Array.isArray(uiSchema['ui:order']) ? uiSchema['ui:order'] : []
  const listed = order.filter((key) => key === '*' || keys.includes(key))
  const rest = keys.filter((key) => !listed.includes(key))
  const star = listed.indexOf('*')
  if (star < 0) return [...listed, ...rest]
  return [...listed.slice(0, star), ...rest, ...listed.slice(star + 1)]
}

export function isHidden(key: string, uiSchema: Schema = {}): boolean {
  return uiSchema?.[key]?.['ui:widget'] === 'hidden'
}

/** A field that deserves a step of its own: a group of fields, a list of groups, an upload. */
function isBig(field: Schema, ui: Schema | undefined): boolean {
  if (ui?.['ui:widget'] === 'attachments') return true
  if (field.type === 'object') return true
  return field.type === 'array' && field.items?.type === 'object'
}

/**
 * Splits the form into steps. A ui schema may name its own steps
 * (`"ui:steps": [{"title": "…", "fields": [...]}]`); otherwise groups, lists of groups and
 * uploads stand alone and the other fields go `perStep` at a time, in `ui:order`.
 */
export function splitSteps(schema: Schema, uiSchema: Schema = {}, perStep = FIELDS_PER_STEP): FormStep[] {
  const props = properties(schema)
  const visible = orderedFields(schema, uiSchema).filter((key) => !isHidden(key, uiSchema))
  const title = (key: string) => String(props[key]?.title ?? key)
  const steps: FormStep[] = []

  const groups = uiSchema['ui:steps']
  if (Array.isArray(groups) && groups.length) {
    const used = new Set<string>()
    for (const group of groups as { title?: string; fields?: string[] }[]) {
      const fields = (group.fields ?? []).filter((key) => visible.includes(key) && !used.has(key))
      fields.forEach((key) => used.add(key))
      if (fields.length) {
        steps.push({ key: `s${steps.length}`, titles: group.title ? [group.title] : fields.map(title), fields })
      }
    }
    const left = visible.filter((key) => !used.has(key))
    if (left.length) steps.push({ key: `s${steps.length}`, titles: left.map(title), fields: left })
    return steps
  }

  let current: string[] = []
  const flush = () => {
    if (current.length) steps.push({ key: `s${steps.length}`, titles: current.map(title), fields: current })
    current = []
  }
  for (const key of visible) {
    if (isBig(props[key] ?? {}, uiSchema[key])) {
      flush()
      current = [key]
      flush()
    } else {
      current.push(key)
      if (current.length >= perStep) flush()
    }
  }
  flush()
  return steps
}

/** A schema without `$schema` (rjsf's ajv is draft-07; the keywords the forms use are the same). */
export function plainSchema(schema: Schema): Schema {
  const { $schema: _ignored, ...rest } = schema ?? {}
  void _ignored
  return rest
}

/**
 * Choices written as `oneOf: [{const, title}]` rendered as `enum` with `ui:enumNames`: rjsf
 * otherwise takes the first option's `const` as a default and ticks an answer nobody gave.
 * Validation still uses the form's own schema; the values are the same.
 */
export function asEnums(schema: Schema, uiSchema: Schema = {}): { schema: Schema; uiSchema: Schema } {
  if (!schema || typeof schema !== 'object') return { schema, uiSchema }
  if (schema.type === 'string' && isChoice(schema) && Array.isArray(schema.oneOf)) {
    const { oneOf, ...rest } = schema
    return {
      schema: { ...rest, enum: oneOf.map((option: Schema) => option.const) },
      uiSchema: { ...uiSchema, 'ui:enumNames': oneOf.map((option: Schema) => String(option.title ?? option.const)) },
    }
  }
  if (schema.type === 'object' && schema.properties) {
    const props: Schema = {}
    const ui: Schema = { ...uiSchema }
    for (const [key, field] of Object.entries(schema.properties as Schema)) {
      const converted = asEnums(field, uiSchema?.[key] ?? {})
      props[key] = converted.schema
      if (Object.keys(converted.uiSchema).length) ui[key] = converted.uiSchema
    }
    return { schema: { ...schema, properties: props }, uiSchema: ui }
  }
  if (schema.type === 'array' && schema.items?.type === 'object') {
    const converted = asEnums(schema.items, uiSchema?.items ?? {})
    return { schema: { ...schema, items: converted.schema }, uiSchema: { ...uiSchema, items: converted.uiSchema } }
  }
  return { schema, uiSchema }
}

/** The piece of the schema one step renders: its fields, their required marks, shared definitions. */
export function stepSchema(schema: Schema, step: FormStep): Schema {
  const props = properties(schema)
  const required: string[] = Array.isArray(schema.required) ? schema.required : []
  const part: Schema = {
    type: 'object',
    properties: Object.fromEntries(step.fields.map((key) => [key, props[key]])),
    required: required.filter((key) => step.fields.includes(key)),
  }
  if (schema.$defs) part.$defs = schema.$defs
  if (schema.definitions) part.definitions = schema.definitions
  return part
}

function isChoice(field: Schema): number {
  if (Array.isArray(field.enum)) return field.enum.length
  if (Array.isArray(field.oneOf) && field.oneOf.every((option: Schema) => 'const' in option)) return field.oneOf.length
  return 0
}

/**
 * The ui schema of one step, adjusted for a phone: short choice lists as radio buttons (every
 * option visible, big targets), the step's field order.
 */
export function stepUiSchema(schema: Schema, uiSchema: Schema, step: FormStep): Schema {
  const props = properties(schema)
  const out: Schema = { 'ui:order': [...step.fields, '*'] }
  for (const key of step.fields) {
    const field = props[key] ?? {}
    const ui: Schema = { ...uiSchema[key] }
    const options = isChoice(field)
    if (!ui['ui:widget'] && options > 0 && options <= 6) ui['ui:widget'] = 'radio'
    const group = isBig(field, ui)
    if (field.type === 'array' && field.items?.type === 'object') {
      // Lists of people: add and remove, no reordering or copying to puzzle over.
      ui['ui:options'] = { orderable: false, copyable: false, ...ui['ui:options'] }
    }
    // A step that is one group already has the group's name as its heading.
    if (group && step.fields.length === 1) ui['ui:options'] = { ...ui['ui:options'], label: false }
    out[key] = ui
  }
  return out
}

export function pick(data: Json, fields: string[]): Json {
  const out: Json = {}
  for (const key of fields) if (data[key] !== undefined) out[key] = data[key]
  return out
}

/** The whole form's data after one step changed: that step's fields replaced, the rest kept. */
export function mergeStep(data: Json, stepData: Json, fields: string[]): Json {
  const out: Json = { ...data }
  for (const key of fields) {
    if (stepData[key] === undefined) delete out[key]
    else out[key] = stepData[key]
  }
  return out
}

/** Which step shows the field a (server) error path names: "data.applicant.name" -> the applicant's step. */
export function stepOfField(steps: FormStep[], path: string): number {
  const top = path.replace(/^data\.?/, '').split(/[.[\]/]+/).filter(Boolean)[0] ?? ''
  return steps.findIndex((step) => step.fields.includes(top))
}

/** Values a new application starts with: online channel, the applicant's name. */
export function startDefaults(schema: Schema, me: { display_name?: string } | null): Json {
  const props = properties(schema)
  const out: Json = {}
  const channel = props.channel
  if (channel && isChoice(channel) && (channel.oneOf ?? []).some((option: Schema) => option.const === 'online')) {
    out.channel = 'online'
  }
  if (me?.display_name && properties(props.applicant ?? {}).name) out.applicant = { name: me.display_name }
  return out
}

/** Fields the portal fills in itself and does not ask about (the channel is always "online"). */
export function portalHidden(schema: Schema, defaults: Json): string[] {
  return 'channel' in defaults && properties(schema).channel ? ['channel'] : []
}

/**
 * Answers worked out from others so the applicant need not know them: the region code of
 * residence is the first six digits of a resident ID number.
 */
export function deriveAnswers(schema: Schema, data: Json): Json {
  const props = properties(schema)
  const applicant = data.applicant as Json | undefined
  const id = typeof applicant?.id_number === 'string' ? applicant.id_number : ''
  if (props.region_code && !data.region_code && /^[0-9]{17}[0-9Xx]$/.test(id)) {
    return { ...data, region_code: id.slice(0, 6) }
  }
  return data
}

// ---------------------------------------------------------------------------------------------
// The review step

export interface SummaryRow {
  label: string
  value: string[]
  field: string
}

function optionTitle(field: Schema, value: unknown, lang: Lang): string | undefined {
  if (Array.isArray(field.oneOf)) {
    const option = field.oneOf.find((item: Schema) => item.const === value)
    if (option?.title) return pickLang(String(option.title), lang)
  }
  if (Array.isArray(field.enum)) {
    const index = field.enum.indexOf(value)
    const names = field.enumNames ?? field['ui:enumNames']
    if (index >= 0 && Array.isArray(names) && names[index]) return pickLang(String(names[index]), lang)
  }
  return undefined
}

export interface SummaryWords {
  yes: string
  no: string
  empty: string
  files: (count: number) => string
  fileName?: (id: string) => string | undefined
}

function describe(field: Schema, ui: Schema | undefined, value: unknown, lang: Lang, words: SummaryWords): string[] {
  if (value === undefined || value === null || value === '') return [words.empty]
  if (ui?.['ui:widget'] === 'attachments' && Array.isArray(value)) {
    if (!value.length) return [words.empty]
    const names = value.map((id) => words.fileName?.(String(id))).filter(Boolean) as string[]
    return names.length === value.length ? names : [words.files(value.length)]
  }
  if (typeof value === 'boolean') return [value ? words.yes : words.no]
  if (Array.isArray(value)) {
    if (!value.length) return [words.empty]
    return value.map((item) => describe(field.items ?? {}, ui?.items, item, lang, words).join(lang === 'en' ? ', ' : '，'))
  }
  if (typeof value === 'object') {
    const props = properties(field)
    return orderedFields(field, ui ?? {})
      .filter((key) => (value as Json)[key] !== undefined && (value as Json)[key] !== '')
      .map((key) => {
        const label = pickLang(String(props[key]?.title ?? key), lang)
        const text = describe(props[key] ?? {}, ui?.[key], (value as Json)[key], lang, words).join(lang === 'en' ? ', ' : '，')
        return lang === 'en' ? `${label}: ${text}` : `${label}：${text}`
      })
  }
  return [optionTitle(field, value, lang) ?? String(value)]
}

/** One row per field of a step: its label and the answer in words. */
export function summarise(schema: Schema, uiSchema: Schema, step: FormStep, data: Json, lang: Lang, words: SummaryWords): SummaryRow[] {
  const props = properties(schema)
  return step.fields.map((key) => ({
    field: key,
    label: pickLang(String(props[key]?.title ?? key), lang),
    value: describe(props[key] ?? {}, uiSchema[key], data[key], lang, words),
  }))
}
