/**
 * The fields a form declares: the only data the server lets a start or a task completion write
 * (it refuses any other field with a 400). Mirrors the server's `workflows/fields.py`: a field is
 * declared under `properties` of the form, of a nested object field or of the object entries of a
 * list field; `allOf`/`anyOf`/`oneOf`/`then`/`else`/`dependentSchemas` and `#/…` `$ref`s inside
 * the form declare fields too, an `if` only tests them. The `case` block is the server's.
 *
 * The forms send `declaredData(schema, values)`, so what a case already held for other fields
 * (shown as initial values) or what an old draft kept never reaches the server.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = Record<string, any>

export const RESERVED_FIELDS = ['case']

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export function resolveRef(root: Schema, ref: string): unknown {
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return undefined
  let node: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (isObject(node) && part in node) node = node[part]
    else if (Array.isArray(node) && /^\d+$/.test(part) && Number(part) < node.length) node = node[Number(part)]
    else return undefined
  }
  return node
}

/** Each schema with every subschema that applies to the same value. */
export function branches(schemas: unknown[], root: Schema): Schema[] {
  const found: Schema[] = []
  const seen = new Set<unknown>()
  const stack = [...schemas].reverse()
  while (stack.length && found.length < 2000) {
    const node = stack.pop()
    if (!isObject(node) || seen.has(node)) continue
    seen.add(node)
    found.push(node)
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) stack.push(resolveRef(root, node.$ref))
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      if (Array.isArray(node[key])) stack.push(...[...node[key]].reverse())
    }
    for (const key of ['then', 'else']) if (key in node) stack.push(node[key])
    if (isObject(node.dependentSchemas)) stack.push(...Object.values(node.dependentSchemas))
  }
  return found
}

/** Field name -> the subschemas that declare it, at one object level. */
export function declaredProperties(nodes: Schema[]): Map<string, unknown[]> {
  const declared = new Map<string, unknown[]>()
  for (const node of nodes) {
    if (!isObject(node.properties)) continue
    for (const [name, schema] of Object.entries(node.properties)) declared.set(name, [...(declared.get(name) ?? []), schema])
  }
  return declared
}

/** The schemas list entry `index` must meet (`prefixItems`/`items`, or draft 7's tuple `items`). */
export function itemSchemas(nodes: Schema[], index: number): unknown[] {
  const schemas: unknown[] = []
  for (const node of nodes) {
    const tuple = Array.isArray(node.items)
    const prefix: unknown[] = tuple ? node.items : Array.isArray(node.prefixItems) ? node.prefixItems : []
    const rest = tuple ? node.additionalItems : node.items
    if (index < prefix.length) schemas.push(prefix[index])
    else if (rest !== undefined) schemas.push(rest)
  }
  return schemas
}

/** `data` with only the fields `schema` declares, at every level; `case` dropped. */
export function declaredData(schema: Schema | null | undefined, data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!schema || !data) return {}
  const keep = (schemas: unknown[], value: unknown): unknown => {
    if (isObject(value)) {
      const declared = declaredProperties(branches(schemas, schema))
      return Object.fromEntries(
        Object.entries(value)
          .filter(([name]) => declared.has(name))
          .map(([name, item]) => [name, keep(declared.get(name) ?? [], item)]),
      )
    }
    if (Array.isArray(value)) {
      const nodes = branches(schemas, schema)
      return value.map((item, index) => keep(itemSchemas(nodes, index), item))
    }
    return value
  }
  const out = keep([schema], data) as Record<string, unknown>
  for (const name of RESERVED_FIELDS) delete out[name]
  return out
}
