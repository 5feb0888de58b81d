/**
 * The deploy's rule for forms, checked as the designer types: a form may only let through the
 * fields it declares, so one whose shape would let others in (a field that may hold an object or
 * a list without declaring what is inside, `additionalProperties`/`patternProperties`, a
 * top-level `case`) is refused. Same rule and messages as the server's `workflows/fields.py`.
 */
import { branches, declaredProperties, RESERVED_FIELDS, resolveRef, type Schema } from '../../shared/declared'

export interface FieldLeak {
  /** dotted field name ("applicant.phone", "parties[]"), "" for the form itself */
  field: string
  message: string
}

type Kind = 'object' | 'array' | 'scalar'
const ANY: Kind[] = ['object', 'array', 'scalar']

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

function kindOf(value: unknown): Kind {
  return isObject(value) ? 'object' : Array.isArray(value) ? 'array' : 'scalar'
}

/** What a value of `node` may be (all three when the form does not say). */
function kinds(node: unknown, root: Schema, depth = 0): Set<Kind> {
  if (node === false) return new Set()
  if (depth > 20 || !isObject(node)) return new Set(ANY)
  if ('const' in node) return new Set([kindOf(node.const)])
  if (Array.isArray(node.enum)) return new Set(node.enum.map(kindOf))
  const types = typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type : []
  if (types.length) return new Set(types.map((name: string) => (name === 'object' || name === 'array' ? name : 'scalar')))
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) return kinds(resolveRef(root, node.$ref), root, depth + 1)
  for (const key of ['oneOf', 'anyOf']) {
    if (Array.isArray(node[key]) && node[key].length) {
      const union = new Set<Kind>()
      for (const member of node[key]) kinds(member, root, depth + 1).forEach((kind) => union.add(kind))
      return union
    }
  }
  if (Array.isArray(node.allOf) && node.allOf.length) {
    let result = new Set<Kind>(ANY)
    for (const member of node.allOf) {
      const of = kinds(member, root, depth + 1)
      result = new Set([...result].filter((kind) => of.has(kind)))
    }
    return result
  }
  return new Set(ANY)
}

function allItemSchemas(nodes: Schema[]): unknown[] {
  const schemas: unknown[] = []
  for (const node of nodes) {
    const tuple = Array.isArray(node.items)
    const prefix: unknown[] = tuple ? node.items : Array.isArray(node.prefixItems) ? node.prefixItems : []
    schemas.push(...prefix)
    const rest = tuple ? node.additionalItems : node.items
    if (rest !== undefined) schemas.push(rest)
  }
  return schemas
}

export function formLeaks(schema: unknown): FieldLeak[] {
  const leaks: FieldLeak[] = []
  if (!isObject(schema)) return leaks
  const seen = new Set<unknown>()
  const stack: { schemas: unknown[]; field: string }[] = [{ schemas: [schema], field: '' }]
  while (stack.length) {
    const { schemas, field } = stack.pop()!
    if (schemas.some((node) => isObject(node) && seen.has(node))) continue
    schemas.forEach((node) => isObject(node) && seen.add(node))
    const nodes = branches(schemas, schema)
    if (nodes.some((node) => typeof node.$ref === 'string' && !node.$ref.startsWith('#'))) continue
    let may = new Set<Kind>(ANY)
    for (const node of schemas) {
      if (node === true) continue
      const of = kinds(node, schema)
      may = new Set([...may].filter((kind) => of.has(kind)))
    }
    const [zh, en] = field ? [`字段 ${field} `, `field ${field}`] : ['表单', 'the form']
    if (may.has('object') || !field) {
      for (const node of nodes) {
        for (const key of ['additionalProperties', 'unevaluatedProperties']) {
          if (key in node && node[key] !== false) {
            leaks.push({
              field,
              message: `${zh}允许表单没有声明的字段（${key}），请删除它或设为 false / ${en} lets undeclared fields through (${key}); remove it or set it to false`,
            })
          }
        }
        if (isObject(node.patternProperties) && Object.keys(node.patternProperties).length) {
          leaks.push({
            field,
            message: `${zh}按名称模式接收字段（patternProperties），请逐一声明字段 / ${en} takes fields by name pattern (patternProperties); declare each field under properties`,
          })
        }
      }
      const declared = declaredProperties(nodes)
      if (!field) {
        for (const name of RESERVED_FIELDS.filter((reserved) => declared.has(reserved))) {
          leaks.push({
            field: name,
            message: `字段 ${name} 是系统设置的案件信息，表单不能声明它 / field ${name} is the case block the server sets; a form cannot declare it`,
          })
        }
      } else if (!declared.size && may.has('array')) {
        leaks.push({
          field,
          message: `${zh}没有类型，可以是对象或列表而不声明其中的字段：请给出 type / ${en} has no type: it may hold an object or a list without declaring what is inside; give it a type`,
        })
        continue
      } else if (!declared.size) {
        leaks.push({
          field,
          message: `${zh}可以是对象，但没有声明其中的字段：请在 properties 中列出，或给出非对象的 type / ${en} may hold an object but declares none of its fields; list them under properties, or give it a type that is not an object`,
        })
      }
      for (const [name, subschemas] of [...declared.entries()].sort(([a], [b]) => (a < b ? 1 : -1))) {
        stack.push({ schemas: subschemas, field: field ? `${field}.${name}` : name })
      }
    }
    if (may.has('array') && field) {
      const items = allItemSchemas(nodes)
      if (!items.length) {
        leaks.push({
          field,
          message: `列表字段 ${field} 没有用 items 说明每一项是什么 / list field ${field} does not say what its entries hold (items)`,
        })
      }
      for (const member of [...items].reverse()) stack.push({ schemas: [member], field: `${field}[]` })
    }
  }
  return leaks
}
