/** Registering as an applicant: the account is made and logged in at once, then the portal opens. */
import { useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Form, Input, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router-dom'

import { api, ApiError } from '../app/api'
import { currentLang } from '../app/i18n'
import { LanguageSwitch } from '../app/LanguageSwitch'
import type { Me } from '../app/types'
import { pickLang } from '../shared/bilingual'
import './i18n'
import { OrganisationSelect, useOrganisations } from './OrganisationSelect'
import './portal.css'

interface Values {
  username: string
  password: string
  password2: string
  full_name: string
  phone: string
  id_number?: string
  organisation?: number | null
}

const FIELDS = ['username', 'password', 'full_name', 'phone', 'id_number', 'organisation'] as const

export default function RegisterPage() {
  const { t, i18n } = useTranslation('portal')
  const lang = i18n.language === 'en' ? 'en' : currentLang()
  const [form] = Form.useForm<Values>()
  const navigate = useNavigate()
  const client = useQueryClient()
  const organisations = useOrganisations()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function onFinish(values: Values) {
    setBusy(true)
    setError(null)
    try {
      const { password2: _again, ...body } = values
      void _again
      const result = await api<{ user: Me }>('/auth/register', {
        json: { ...body, id_number: body.id_number?.trim() ?? '', organisation: body.organisation ?? null },
      })
      // Keep the query AuthProvider watches (clearing the cache would orphan it); drop the rest.
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'me' })
      client.setQueryData(['me'], result.user)
      navigate('/portal', { replace: true })
    } catch (exc) {
      if (exc instanceof ApiError && Object.keys(exc.fieldErrors).length) {
        const known = FIELDS as readonly string[]
        form.setFields(
          Object.entries(exc.fieldErrors)
            .filter(([name]) => known.includes(name))
            .map(([name, messages]) => ({
              name: name as keyof Values,
              errors: messages.map((message) => pickLang(message, lang)),
            })),
        )
        const unplaced = Object.entries(exc.fieldErrors).filter(([name]) => !known.includes(name))
        setError(unplaced.length ? unplaced.map(([, messages]) => pickLang(messages[0], lang)).join(' ') : t('register.fixErrors'))
      } else {
        setError(exc instanceof ApiError ? pickLang(exc.message, lang) : t('common:error'))
      }
    } finally {
      setBusy(false)
    }
  }

  const required = (field: string) => [{ required: true, whitespace: true, message: t('register.required', { field }) }]

  return (
    <main className="lf-portal" style={{ maxWidth: 480, padding: 16 }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <Link to="/login" className="lf-back">
          {t('register.haveAccount')}
        </Link>
        <LanguageSwitch />
      </div>
      <div className="lf-panel" style={{ padding: 20 }}>
        <Typography.Title level={1} className="lf-h1">
          {t('register.title')}
        </Typography.Title>
        <p className="lf-muted">{t('register.intro')}</p>
        {error && <Alert type="error" role="alert" title={error} style={{ marginBottom: 16 }} />}
        <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} size="large" scrollToFirstError>
          <Form.Item label={t('register.fullName')} name="full_name" rules={required(t('register.fullName'))}>
            <Input autoComplete="name" />
          </Form.Item>
          <Form.Item label={t('register.phone')} name="phone" rules={required(t('register.phone'))}>
            <Input autoComplete="tel" inputMode="tel" type="tel" />
          </Form.Item>
          <Form.Item label={t('register.idNumber')} name="id_number">
            <Input autoComplete="off" maxLength={18} />
          </Form.Item>
          {organisations.data ? (
            <Form.Item
              label={t('register.organisation')}
              name="organisation"
              htmlFor="register-organisation"
              rules={[{ required: true, message: t('register.chooseOrganisation') }]}
              extra={<span id="register-organisation-help">{t('register.organisationHelp')}</span>}
            >
              <OrganisationSelect
                id="register-organisation"
                organisations={organisations.data}
                lang={lang}
                describedBy="register-organisation-help"
                placeholder={t('register.choose')}
              />
            </Form.Item>
          ) : organisations.isError ? (
            <p className="lf-muted" id="register-organisation">
              {t('register.organisationUnavailable')}
            </p>
          ) : null}
          <Form.Item
            label={t('register.username')}
            name="username"
            rules={required(t('register.username'))}
            extra={t('register.usernameHelp')}
          >
            <Input autoComplete="username" autoCapitalize="none" />
          </Form.Item>
          <Form.Item
            label={t('register.password')}
            name="password"
            rules={required(t('register.password'))}
            extra={t('register.passwordHelp')}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label={t('register.password2')}
            name="password2"
            dependencies={['password']}
            rules={[
              ...required(t('register.password2')),
              ({ getFieldValue }) => ({
                validator: (_rule, value) =>
                  !value || getFieldValue('password') === value ? Promise.resolve() : Promise.reject(new Error(t('register.mismatch'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} size="large">
            {t('register.submit')}
          </Button>
        </Form>
      </div>
    </main>
  )
}
