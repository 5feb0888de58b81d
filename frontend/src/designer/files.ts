/** The file set of a process package (name -> text) as the designer edits and sends it. */

export type FileSet = Record<string, string>
export type FileKind = 'bpmn' | 'dmn' | 'schema' | 'uischema' | 'other'

export function fileKind(name: string): FileKind {
  const lower = name.toLowerCase()
  if (lower.endsWith('.bpmn') || lower.endsWith('.bpmn20.xml')) return 'bpmn'
  if (lower.endsWith('.dmn')) return 'dmn'
  if (lower.endsWith('.uischema.json')) return 'uischema'
  if (lower.endsWith('.schema.json')) return 'schema'
  return 'other'
}

export function filesOfKind(files: FileSet, kind: FileKind): string[] {
  return Object.keys(files)
    .filter((name) => fileKind(name) === kind)
    .sort()
}

/** The .bpmn file to open first: the one named after the process, else the first. */
export function mainBpmn(files: FileSet, key?: string): string | undefined {
  const bpmn = filesOfKind(files, 'bpmn')
  return bpmn.find((name) => key && name.startsWith(`${key}.`)) ?? bpmn[0]
}

/** Multipart body for validate/deploy: every file under `files`, plus extra fields. */
export function toFormData(files: FileSet, extra: Record<string, string> = {}): FormData {
  const form = new FormData()
  for (const [name, text] of Object.entries(files)) {
    const type = name.endsWith('.json') ? 'application/json' : 'application/xml'
    form.append('files', new Blob([text], { type }), name)
  }
  for (const [key, value] of Object.entries(extra)) form.append(key, value)
  return form
}

export function sameFiles(a: FileSet, b: FileSet): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key])
}

/** The base name of a form file: "decide.schema.json" -> "decide". */
export function formBase(name: string): string {
  return name.replace(/\.(ui)?schema\.json$/i, '')
}

function parseXml(text: string): Document | null {
  try {
    const doc = new DOMParser().parseFromString(text, 'application/xml')
    return doc.getElementsByTagName('parsererror').length ? null : doc
  } catch {
    return null
  }
}

function byLocalName(root: Document | Element, name: string): Element[] {
  return Array.from(root.getElementsByTagNameNS('*', name))
}

/** The decisions of a DMN file, for the business rule task's decision picker. */
export function decisionsIn(dmn: string): { id: string; name: string }[] {
  const doc = parseXml(dmn)
  if (!doc) return []
  return byLocalName(doc, 'decision').map((node) => ({ id: node.getAttribute('id') ?? '', name: node.getAttribute('name') ?? '' }))
}

export function allDecisions(files: FileSet): { id: string; name: string; file: string }[] {
  return filesOfKind(files, 'dmn').flatMap((file) => decisionsIn(files[file]).map((decision) => ({ ...decision, file })))
}

/** The process ids of a BPMN file (the first is what deploy names the process by). */
export function processIds(bpmn: string): { id: string; name: string }[] {
  const doc = parseXml(bpmn)
  if (!doc) return []
  return byLocalName(doc, 'process').map((node) => ({ id: node.getAttribute('id') ?? '', name: node.getAttribute('name') ?? '' }))
}

/** The start form of a process (the start event's form properties), if any. */
export function startFormOf(bpmn: string, processId: string): { form?: string; uiForm?: string } {
  const doc = parseXml(bpmn)
  const process = doc && byLocalName(doc, 'process').find((node) => node.getAttribute('id') === processId)
  if (!process) return {}
  const start = Array.from(process.children).find((node) => node.localName === 'startEvent')
  if (!start) return {}
  const props: Record<string, string> = {}
  for (const property of byLocalName(start, 'property')) {
    props[property.getAttribute('name') ?? ''] = property.getAttribute('value') ?? ''
  }
  return { form: props.formJsonSchemaFilename || undefined, uiForm: props.formUiSchemaFilename || undefined }
}
