import { Button, Result, Spin } from 'antd'
import { lazy, Suspense, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Navigate, Route, Routes, useLocation } from 'react-router-dom'

import { homeFor, STAFF_ROLES, useAuth } from './auth'

// Each audience's screens are their own chunk: an applicant never downloads bpmn-js or ECharts.
const LoginPage = lazy(() => import('./LoginPage'))
const AppShell = lazy(() => import('./AppShell'))
const Portal = lazy(() => import('../portal'))
const RegisterPage = lazy(() => import('../portal/RegisterPage'))
const Workbench = lazy(() => import('../workbench'))
const Designer = lazy(() => import('../designer'))
const Dashboard = lazy(() => import('../dashboard'))

export function Loading() {
  const { t } = useTranslation()
  return (
    <div style={{ padding: 48, textAlign: 'center' }} role="status" aria-live="polite">
      <Spin />
      <div>{t('loading')}</div>
    </div>
  )
}

function RequireRole({ roles, children }: { roles: readonly string[]; children: ReactNode }) {
  const { me, loading, hasRole } = useAuth()
  const location = useLocation()
  const { t } = useTranslation()
  if (loading) return <Loading />
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />
  if (!hasRole(...roles)) {
    return <Result status="403" title="403" subTitle={t('noPermission')} extra={<Button href={homeFor(me)}>{t('back')}</Button>} />
  }
  return <AppShell>{children}</AppShell>
}

function Home() {
  const { me, loading } = useAuth()
  if (loading) return <Loading />
  return <Navigate to={homeFor(me)} replace />
}

function NotFound() {
  const { t } = useTranslation()
  return <Result status="404" title="404" subTitle={t('notFound')} extra={<Button href="/">{t('back')}</Button>} />
}

export default function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/register" element={<RegisterPage />} />
        <Route path="/portal/*" element={<RequireRole roles={['applicant']}><Portal /></RequireRole>} />
        <Route path="/workbench/*" element={<RequireRole roles={[...STAFF_ROLES, 'supervisor', 'designer', 'admin']}><Workbench /></RequireRole>} />
        <Route path="/designer/*" element={<RequireRole roles={['designer', 'admin']}><Designer /></RequireRole>} />
        <Route path="/dashboard/*" element={<RequireRole roles={['supervisor', 'director', 'admin']}><Dashboard /></RequireRole>} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Suspense>
  )
}
