/**
 * The JSON-schema forms the server validates, rendered with @rjsf/antd. Heavy (rjsf + ajv):
 * import it with React.lazy so only screens with a form pay for it.
 *
 * - Titles and descriptions are bilingual on the server ("中文 / English"); the form shows the
 *   user's language.
 * - Validation runs in the browser as the user goes, and the server's 400 field errors
 *   (`serverErrors`, from ApiError.fieldErrors) appear on the same fields.
 * - Extra widgets (e.g. attachments) are registered through `widgets`.
 * - A submit hands over only the fields the form declares (`declaredData`): the server refuses
 *   any other, and values a form was started from (the case data) may hold more.
 */
import Form from '@rjsf/antd'
import {
  englishStringTranslator,
  replaceStringParameters,
  TranslatableString,
  type ErrorSchema,
  type RegistryWidgetsType,
  type RJSFSchema,
  type RJSFValidationError,
  type UiSchema,
} from '@rjsf/utils'
import { customizeValidator } from '@rjsf/validator-ajv8'
import { useMemo, type ReactNode, type Ref } from 'react'
import { useTranslation } from 'react-i18next'

import type { FieldErrors } from '../app/api'
import { currentLang } from '../app/i18n'
import { localiseSchema } from './bilingual'
import { declaredData } from './declared'

const validator = customizeValidator({ ajvOptionsOverrides: { allErrors: true } })

export interface SchemaFormProps {
  schema: RJSFSchema
  uiSchema?: UiSchema
  formData?: Record<string, unknown>
  onChange?: (data: Record<string, unknown>) => void
  onSubmit?: (data: Record<string, unknown>) => void
  serverErrors?: FieldErrors
  disabled?: boolean
  readonly?: boolean
  widgets?: RegistryWidgetsType
  /** Replaces the submit button (e.g. a step's own buttons); `false` hides it. */
  children?: ReactNode
  submitLabel?: string
  formRef?: Ref<unknown>
  liveValidate?: boolean
  idPrefix?: string
}

const MESSAGES: Record<string, { zh: (e: RJSFValidationError) => string; en: (e: RJSFValidationError) => string }> = {
  required: { zh: () => '必填', en: () => 'Required' },
  minLength: { zh: (e) => `至少 ${e.params?.limit} 个字`, en: (e) => `At least ${e.params?.limit} characters` },
  maxLength: { zh: (e) => `最多 ${e.params?.limit} 个字`, en: (e) => `At most ${e.params?.limit} characters` },
  minimum: { zh: (e) => `不能小于 ${e.params?.limit}`, en: (e) => `Must be at least ${e.params?.limit}` },
  maximum: { zh: (e) => `不能大于 ${e.params?.limit}`, en: (e) => `Must be at most ${e.params?.limit}` },
  pattern: { zh: () => '格式不正确', en: () => 'Wrong format' },
  format: { zh: () => '格式不正确', en: () => 'Wrong format' },
  enum: { zh: () => '请从列表中选择', en: () => 'Choose one of the options' },
  minItems: { zh: (e) => `至少选择 ${e.params?.limit} 项`, en: (e) => `Choose at least ${e.params?.limit}` },
  type: { zh: () => '类型不正确', en: () => 'Wrong type' },
}

// rjsf's own words (array buttons, yes/no…) in Chinese; English falls back to rjsf's.
const ZH_STRINGS: Partial<Record<TranslatableString, string>> = {
  [TranslatableString.ArrayItemTitle]: '第 %1 项',
  [TranslatableString.EmptyArray]: '还没有内容，请用下方按钮添加。',
  [TranslatableString.YesLabel]: '是',
  [TranslatableString.NoLabel]: '否',
  [TranslatableString.CloseLabel]: '关闭',
  [TranslatableString.ErrorsLabel]: '错误',
  [TranslatableString.AddButton]: '添加',
  [TranslatableString.AddItemButton]: '添加一项',
  [TranslatableString.CopyButton]: '复制',
  [TranslatableString.MoveDownButton]: '下移',
  [TranslatableString.MoveUpButton]: '上移',
  [TranslatableString.RemoveButton]: '删除',
  [TranslatableString.NowLabel]: '现在',
  [TranslatableString.ClearLabel]: '清除',
  [TranslatableString.AriaDateLabel]: '选择日期',
  [TranslatableString.DecrementAriaLabel]: '减 1',
  [TranslatableString.IncrementAriaLabel]: '加 1',
  [TranslatableString.OptionalObjectAdd]: '填写此可选项',
  [TranslatableString.OptionalObjectRemove]: '不填此可选项',
  [TranslatableString.OptionalObjectEmptyMsg]: '此可选项未填写',
  [TranslatableString.ClearButton]: '清空输入',
  [TranslatableString.OptionPrefix]: '选项 %1',
}

export function translateString(lang: 'zh' | 'en') {
  return (key: TranslatableString, params?: string[]): string => {
    const zh = lang === 'zh' ? ZH_STRINGS[key] : undefined
    return zh ? replaceStringParameters(zh, params) : englishStringTranslator(key, params)
  }
}

/** Plain-language messages in the user's language instead of ajv's English. */
export function translateErrors(errors: RJSFValidationError[], lang: 'zh' | 'en'): RJSFValidationError[] {
  return errors
    .filter((error) => !['if', 'then', 'else', 'anyOf', 'oneOf'].includes(error.name ?? ''))
    .map((error) => {
      const message = error.name ? MESSAGES[error.name]?.[lang](error) : undefined
      return message ? { ...error, message, stack: `${error.property ?? ''} ${message}`.trim() } : error
    })
}

/** {"applicant.id_number": ["…"]} -> rjsf's nested {applicant: {id_number: {__errors: ["…"]}}}. */
export function toErrorSchema(errors: FieldErrors | undefined): ErrorSchema | undefined {
  if (!errors) return undefined
  const root: Record<string, unknown> = {}
  for (const [path, messages] of Object.entries(errors)) {
    const parts = path.replace(/^data\.?/, '').split(/[.[\]/]+/).filter(Boolean)
    let node = root
    for (const part of parts) node = (node[part] ??= {}) as Record<string, unknown>
    node.__errors = [...((node.__errors as string[]) ?? []), ...messages]
  }
  return Object.keys(root).length ? (root as ErrorSchema) : undefined
}

export default function SchemaForm(props: SchemaFormProps) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language === 'en' ? 'en' : currentLang()
  const schema = useMemo(() => {
    // The server validates against the draft the form names; in the browser ajv's default
    // draft does, and a `$schema` it has not loaded would only produce console warnings.
    const { $schema: _draft, ...rest } = props.schema as RJSFSchema & { $schema?: string }
    return localiseSchema(rest as RJSFSchema, lang)
  }, [props.schema, lang])
  const uiSchema = useMemo(() => {
    const localised = localiseSchema(props.uiSchema ?? {}, lang)
    return {
      ...localised,
      'ui:submitButtonOptions': {
        submitText: props.submitLabel ?? t('submit'),
        props: { type: 'primary' },
        ...(localised['ui:submitButtonOptions'] as object | undefined),
      },
    } as UiSchema
  }, [props.uiSchema, props.submitLabel, lang, t])

  return (
    <Form
      ref={props.formRef as never}
      schema={schema}
      uiSchema={uiSchema}
      formData={props.formData}
      validator={validator}
      widgets={props.widgets}
      disabled={props.disabled}
      readonly={props.readonly}
      idPrefix={props.idPrefix}
      showErrorList={false}
      liveValidate={props.liveValidate ?? false}
      noHtml5Validate
      extraErrors={toErrorSchema(props.serverErrors)}
      transformErrors={(errors) => translateErrors(errors, lang)}
      translateString={translateString(lang)}
      // A oneOf of consts is a choice (grant / refuse): nothing is chosen until the user chooses.
      experimental_defaultFormStateBehavior={{ constAsDefaults: 'skipOneOf' }}
      onChange={(event) => props.onChange?.((event.formData ?? {}) as Record<string, unknown>)}
      onSubmit={(event) => props.onSubmit?.(declaredData(props.schema, (event.formData ?? {}) as Record<string, unknown>))}
    >
      {props.children}
    </Form>
  )
}
