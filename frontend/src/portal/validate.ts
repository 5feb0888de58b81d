/**
 * Checking one step before "Next": the whole form is validated against the whole schema (so
 * conditions such as "family size is required unless exempt" hold), and only the errors of the
 * step's fields are kept, in plain words of the user's language.
 */
import { customizeValidator } from '@rjsf/validator-ajv8'

import type { FieldErrors } from '../app/api'
import type { Lang } from '../app/i18n'
import { translateErrors } from '../shared/SchemaForm'
import { plainSchema, type Json } from './steps'

const validator = customizeValidator({ ajvOptionsOverrides: { allErrors: true } })

const OTHER = { zh: '请检查这一项', en: 'Please check this answer' }

/** "applicant.name" for ".applicant.name", "applicant['x']" and "applicant.name" alike. */
export function errorPath(property: string | undefined): string {
  return (property ?? '')
    .replace(/\[['"]?([^'"\]]+)['"]?\]/g, '.$1')
    .replace(/^\.+/, '')
}

/** Every problem with `data`, by field path, messages in `lang`; `fields` limits it to those top-level fields. */
export function formErrors(schema: Json, data: Json, lang: Lang, fields?: string[]): FieldErrors {
  const { errors } = validator.validateFormData(data, plainSchema(schema))
  const out: FieldErrors = {}
  for (const error of translateErrors(errors, lang)) {
    const path = errorPath(error.property)
    if (!path) continue
    if (fields && !fields.includes(path.split('.')[0])) continue
    // A wrong choice fails every branch of a oneOf: say it once, in words.
    const known = ['required', 'minLength', 'maxLength', 'minimum', 'maximum', 'pattern', 'format', 'enum', 'minItems', 'type']
    const message = known.includes(error.name ?? '') ? (error.message ?? OTHER[lang]) : OTHER[lang]
    const list = (out[path] ??= [])
    if (!list.includes(message)) list.push(message)
  }
  return out
}

export function stepErrors(schema: Json, data: Json, fields: string[], lang: Lang): FieldErrors {
  return formErrors(schema, data, lang, fields)
}
