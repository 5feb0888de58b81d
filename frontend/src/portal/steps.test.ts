/// <reference types="node" />
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

import { asEnums, deriveAnswers, mergeStep, orderedFields, portalHidden, splitSteps, startDefaults, stepOfField, stepSchema, stepUiSchema, summarise } from './steps'
import { formErrors, stepErrors } from './validate'

// The forms as shipped in bpmn/.
const shipped = (path: string) => JSON.parse(readFileSync(resolve(__dirname, '../../../bpmn', path), 'utf8'))
const legalAid = shipped('legal_aid_application/forms/apply.schema.json')
const legalAidUi = shipped('legal_aid_application/forms/apply.uischema.json')
const complaint = shipped('complaint/forms/complaint.schema.json')
const complaintUi = shipped('complaint/forms/complaint.uischema.json')

const hideChannel = { ...legalAidUi, channel: { 'ui:widget': 'hidden' } }

describe('splitSteps', () => {
  it('follows ui:order, gives groups, lists and uploads a step each and puts three short fields together', () => {
    const steps = splitSteps(legalAid, hideChannel)
    expect(steps.map((step) => step.fields)).toEqual([
      ['applicant'],
      ['region_code', 'case_type', 'matter'],
      ['opposing_parties'],
      ['exemption_category', 'family_size', 'monthly_income_per_capita'],
      ['limitation_period_ends', 'preservation_urgent', 'materials'],
      ['documents'],
    ])
    expect(steps[0].titles).toEqual(['申请人 / Applicant'])
  })

  it('leaves out hidden fields and keeps fields missing from ui:order at the end', () => {
    const fields = splitSteps(legalAid, hideChannel).flatMap((step) => step.fields)
    expect(fields).not.toContain('channel')
    expect(orderedFields({ properties: { a: {}, b: {}, c: {} } }, { 'ui:order': ['c'] })).toEqual(['c', 'a', 'b'])
    expect(orderedFields({ properties: { a: {}, b: {}, c: {} } }, { 'ui:order': ['*', 'a'] })).toEqual(['b', 'c', 'a'])
  })

  it('uses the groups a ui schema names with ui:steps, and no field is lost', () => {
    const ui = { ...complaintUi, 'ui:steps': [{ title: '对谁 / Who', fields: ['target_type', 'target_name'] }, { fields: ['facts'] }] }
    const steps = splitSteps(complaint, ui)
    expect(steps[0]).toMatchObject({ titles: ['对谁 / Who'], fields: ['target_type', 'target_name'] })
    expect(steps[1].fields).toEqual(['facts'])
    expect(steps.flatMap((step) => step.fields).sort()).toEqual(Object.keys(complaint.properties).sort())
  })

  it('renders one step with only its fields, its required marks and radio buttons for short choices', () => {
    const steps = splitSteps(legalAid, hideChannel)
    const part = stepSchema(legalAid, steps[1])
    expect(Object.keys(part.properties)).toEqual(['region_code', 'case_type', 'matter'])
    expect(part.required).toEqual(['region_code', 'case_type', 'matter'])
    const ui = stepUiSchema(legalAid, legalAidUi, steps[1])
    expect(ui.case_type['ui:widget']).toBe('radio')
    expect(ui.matter['ui:widget']).toBe('textarea')
  })

  it('finds the step of a field the server complains about', () => {
    const steps = splitSteps(legalAid, hideChannel)
    expect(stepOfField(steps, 'data.applicant.id_number')).toBe(0)
    expect(stepOfField(steps, 'documents')).toBe(5)
    expect(stepOfField(steps, 'nowhere')).toBe(-1)
  })
})

describe('answers', () => {
  it('starts an application online in the applicant’s name and does not ask about the channel', () => {
    const defaults = startDefaults(legalAid, { display_name: '李四' })
    expect(defaults).toEqual({ channel: 'online', applicant: { name: '李四' } })
    expect(portalHidden(legalAid, defaults)).toEqual(['channel'])
    expect(startDefaults(complaint, { display_name: '李四' })).toEqual({})
  })

  it('merges one step into the whole and drops cleared answers', () => {
    const merged = mergeStep({ a: 1, b: 2, c: 3 }, { b: undefined, c: 4 }, ['b', 'c'])
    expect(merged).toEqual({ a: 1, c: 4 })
  })

  it('takes the region code from the ID number when the applicant has not given one', () => {
    const data = { applicant: { id_number: '210102198005121236' } }
    expect(deriveAnswers(legalAid, data).region_code).toBe('210102')
    expect(deriveAnswers(legalAid, { ...data, region_code: '210100' }).region_code).toBe('210100')
  })

  it('summarises answers in words for the review step', () => {
    const steps = splitSteps(legalAid, hideChannel)
    const words = { yes: '是', no: '否', empty: '（未填写）', files: (n: number) => `${n} 个文件` }
    const data = { region_code: '210102', case_type: 'labour', applicant: { name: '李四', id_number: 'x' }, preservation_urgent: false, materials: ['id_document'], documents: ['a', 'b'] }
    expect(summarise(legalAid, legalAidUi, steps[1], data, 'zh', words)).toEqual([
      { field: 'region_code', label: '户籍或住所地行政区划代码', value: ['210102'] },
      { field: 'case_type', label: '案件类型', value: ['劳动争议'] },
      { field: 'matter', label: '申请事项及理由', value: ['（未填写）'] },
    ])
    expect(summarise(legalAid, legalAidUi, steps[0], data, 'en', words)[0].value).toEqual(['Name: 李四', 'Resident ID number: x'])
    expect(summarise(legalAid, legalAidUi, steps[4], data, 'zh', words).map((row) => row.value)).toEqual([['（未填写）'], ['否'], ['身份证明']])
    expect(summarise(legalAid, legalAidUi, steps[5], data, 'zh', { ...words, fileName: (id) => (id === 'a' ? 'a.pdf' : undefined) })[0].value).toEqual(['2 个文件'])
  })
})

describe('checking a step before Next', () => {
  const steps = splitSteps(legalAid, hideChannel)

  it('names each missing or wrong answer of this step only, in Chinese', () => {
    const errors = stepErrors(legalAid, { applicant: { name: '李' } }, steps[0].fields, 'zh')
    expect(errors).toEqual({ 'applicant.name': ['至少 2 个字'], 'applicant.id_number': ['必填'] })
  })

  it('speaks English when the user does', () => {
    expect(stepErrors(legalAid, { matter: 'short' }, steps[1].fields, 'en')).toEqual({
      region_code: ['Required'],
      case_type: ['Required'],
      matter: ['At least 10 characters'],
    })
  })

  it('applies the form’s conditions: income is needed unless the applicant is exempt', () => {
    const hardship = steps[3].fields
    expect(stepErrors(legalAid, { exemption_category: 'none' }, hardship, 'zh')).toEqual({
      family_size: ['必填'],
      monthly_income_per_capita: ['必填'],
    })
    expect(stepErrors(legalAid, { exemption_category: 'minor' }, hardship, 'zh')).toEqual({})
  })

  it('says a wrong choice once, and a complete step has no errors', () => {
    expect(stepErrors(legalAid, { case_type: 'bogus', region_code: '210102', matter: '欠薪三个月，老板不给钱' }, steps[1].fields, 'zh')).toEqual({
      case_type: ['请检查这一项'],
    })
    expect(stepErrors(legalAid, { case_type: 'labour', region_code: '210102', matter: '欠薪三个月，老板不给钱' }, steps[1].fields, 'zh')).toEqual({})
  })

  it('checks nested list items and the whole form before submitting', () => {
    expect(stepErrors(legalAid, { opposing_parties: [{}] }, steps[2].fields, 'zh')).toEqual({ 'opposing_parties.0.name': ['必填'] })
    expect(Object.keys(formErrors(legalAid, {}, 'zh'))).toEqual(
      expect.arrayContaining(['channel', 'applicant', 'region_code', 'exemption_category', 'case_type', 'matter']),
    )
  })
})

describe('asEnums', () => {
  it('renders oneOf choices as enum with names, so nothing is ticked before the applicant chooses', () => {
    const { schema, uiSchema } = asEnums(stepSchema(legalAid, splitSteps(legalAid, hideChannel)[1]), { case_type: { 'ui:widget': 'radio' } })
    expect(schema.properties.case_type.enum).toEqual(['civil', 'criminal', 'administrative', 'labour', 'family'])
    expect(schema.properties.case_type.oneOf).toBeUndefined()
    expect(uiSchema.case_type).toEqual({ 'ui:widget': 'radio', 'ui:enumNames': ['民事 / Civil', '刑事 / Criminal', '行政 / Administrative', '劳动争议 / Labour', '婚姻家庭 / Family'] })
    expect(schema.properties.matter).toEqual(legalAid.properties.matter)
  })

  it('reaches choices inside groups and lists, and leaves multiple-choice lists alone', () => {
    const { schema } = asEnums({ type: 'object', properties: { parties: { type: 'array', items: { type: 'object', properties: { role: { type: 'string', oneOf: [{ const: 'a', title: 'A' }] } } } }, materials: legalAid.properties.materials } })
    expect(schema.properties.parties.items.properties.role.enum).toEqual(['a'])
    expect(schema.properties.materials).toEqual(legalAid.properties.materials)
  })
})
