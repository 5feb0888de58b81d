import { Alert, Button, Form, Input, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useLocation, useNavigate } from 'react-router-dom'

import { pickLang } from '../shared/bilingual'
import { ApiError } from './api'
import { homeFor, useAuth } from './auth'
import { currentLang } from './i18n'
import { LanguageSwitch } from './LanguageSwitch'

export default function LoginPage() {
  const { t } = useTranslation()
  const { login } = useAuth()
  const navigate = useNavigate()
  const location = useLocation()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const next = new URLSearchParams(location.search).get('next')

  async function onFinish(values: { username: string; password: string }) {
    setBusy(true)
    setError(null)
    try {
      const me = await login(values.username, values.password)
      navigate(next && next.startsWith('/') ? next : homeFor(me), { replace: true })
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 429) {
        // Locked after too many failures: the server says for how long.
        setError(pickLang(exc.message, currentLang()))
      } else {
        setError(exc instanceof ApiError && exc.status < 500 ? t('loginFailed') : t('error'))
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <main style={{ maxWidth: 400, margin: '8vh auto', padding: 16 }}>
      <div style={{ textAlign: 'right' }}>
        <LanguageSwitch />
      </div>
      {/* A plain panel, not antd Card: Card pulls in Tabs and Menu, too heavy for the first page. */}
      <div style={{ background: '#fff', borderRadius: 8, padding: 24, boxShadow: '0 1px 4px rgba(0,0,0,.12)' }}>
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {t('loginTitle')}
        </Typography.Title>
        {error && <Alert type="error" title={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form layout="vertical" onFinish={onFinish} requiredMark={false}>
          <Form.Item label={t('username')} name="username" rules={[{ required: true }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('password')} name="password" rules={[{ required: true }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          {/* Named explicitly: antd leaves its loading icon (labelled "loading") in the button
              after a failed attempt, and a screen reader would read "loading 登录". */}
          <Button type="primary" htmlType="submit" block loading={busy} aria-label={t('login')} aria-busy={busy}>
            {t('login')}
          </Button>
        </Form>
        <Typography.Paragraph style={{ marginTop: 16 }}>
          <Link to="/register">{t('register')}</Link>
        </Typography.Paragraph>
        <Typography.Text type="secondary">{t('demoHint')}</Typography.Text>
      </div>
    </main>
  )
}
