/**
 * Labels for case data, read from the process version's form schemas: the start form's titles
 * ("申请人 / Applicant"), its option titles for coded values ("civil" -> "民事 / Civil"), and
 * the titles of the fields task forms added while the case was handled.
 */

export interface FieldInfo {
  title?: string
  /** const -> title of the field's options (oneOf/anyOf/enum+enumNames) */
  options?: Record<string, string>
  /** An upload field: an array of attachment ids. */
  attachments?: boolean
  properties?: Record<string, FieldInfo>
  items?: FieldInfo
}

export interface CaseLabels {
  /** Fields of the start form, in its order. */
  start: Record<string, FieldInfo>
  startOrder: string[]
  /** Fields of every other form of the version. */
  other: Record<string, FieldInfo>
}

type Schema = Record<string, unknown>

function asSchema(value: unknown): Schema | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : null
}

function optionsOf(schema: Schema): Record<string, string> | undefined {
  const options: Record<string, string> = {}
  for (const key of ['oneOf', 'anyOf']) {
    const list = schema[key]
    if (Array.isArray(list))
      for (const item of list) {
        const option = asSchema(item)
        if (option && 'const' in option && typeof option.title === 'string') options[String(option.const)] = option.title
      }
  }
  if (Array.isArray(schema.enum) && Array.isArray(schema.enumNames))
    schema.enum.forEach((value, index) => {
      const name = (schema.enumNames as unknown[])[index]
      if (typeof name === 'string') options[String(value)] = name
    })
  return Object.keys(options).length ? options : undefined
}

export function fieldInfo(schema: Schema, uiSchema?: Schema | null): FieldInfo {
  const info: FieldInfo = {}
  if (typeof schema.title === 'string') info.title = schema.title
  const options = optionsOf(schema)
  if (options) info.options = options
  const properties = asSchema(schema.properties)
  if (properties) {
    info.properties = {}
    for (const [name, child] of Object.entries(properties)) {
      const childSchema = asSchema(child)
      if (childSchema) info.properties[name] = fieldInfo(childSchema, asSchema(uiSchema?.[name]))
    }
  }
  const items = asSchema(schema.items)
  if (items) {
    info.items = fieldInfo(items, asSchema(uiSchema?.items))
    if (items.format === 'uuid' || uiSchema?.['ui:widget'] === 'attachments') info.attachments = true
  }
  return info
}

/** Merge `b` into `a`: what `a` already says wins. */
function merge(a: FieldInfo | undefined, b: FieldInfo): FieldInfo {
  if (!a) return b
  const out: FieldInfo = { ...b, ...a }
  if (a.options || b.options) out.options = { ...b.options, ...a.options }
  if (a.properties || b.properties) {
    out.properties = { ...b.properties }
    for (const [key, value] of Object.entries(a.properties ?? {})) out.properties[key] = merge(b.properties?.[key], value)
  }
  if (a.items || b.items) out.items = b.items ? merge(a.items, b.items) : a.items
  out.attachments = a.attachments || b.attachments
  return out
}

/** The start form's file named in the main BPMN's start event (formJsonSchemaFilename). */
export function startFormName(bpmnXml: string): string | null {
  const match = /<[\w:]*startEvent\b[\s\S]*?<\/[\w:]*startEvent>/.exec(bpmnXml)
  if (!match) return null
  const form = /name="formJsonSchemaFilename"\s+value="([^"]+)"/.exec(match[0])
  return form ? form[1] : null
}

/** Labels from a version's files (GET /processes/{key}/versions/{v}/files). */
export function buildLabels(files: Record<string, string>): CaseLabels {
  const parse = (name: string): Schema | null => {
    try {
      return asSchema(JSON.parse(files[name]))
    } catch {
      return null
    }
  }
  const bpmn = Object.keys(files).filter((name) => name.endsWith('.bpmn'))
  let startName: string | null = null
  for (const name of bpmn) startName ??= startFormName(files[name])
  const labels: CaseLabels = { start: {}, startOrder: [], other: {} }
  if (startName && files[startName]) {
    const schema = parse(startName)
    const ui = parse(startName.replace(/\.schema\.json$/, '.uischema.json'))
    if (schema) {
      const info = fieldInfo(schema, ui)
      labels.start = info.properties ?? {}
      const order = Array.isArray(ui?.['ui:order']) ? (ui!['ui:order'] as string[]).filter((key) => key in labels.start) : []
      labels.startOrder = [...order, ...Object.keys(labels.start).filter((key) => !order.includes(key))]
    }
  }
  for (const name of Object.keys(files).sort()) {
    if (!name.endsWith('.schema.json') || name === startName) continue
    const schema = parse(name)
    if (!schema) continue
    const info = fieldInfo(schema, parse(name.replace(/\.schema\.json$/, '.uischema.json')))
    for (const [key, value] of Object.entries(info.properties ?? {})) {
      if (key in labels.start) continue
      labels.other[key] = merge(labels.other[key], value)
    }
  }
  return labels
}
