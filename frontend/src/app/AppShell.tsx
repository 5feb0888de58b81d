import { App as AntApp, Button, Layout, Typography } from 'antd'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { NavLink, useNavigate } from 'react-router-dom'

import { STAFF_ROLES, useAuth } from './auth'
import { LanguageSwitch } from './LanguageSwitch'

interface NavItem {
  key: string
  path: string
  roles: readonly string[]
}

const NAV: NavItem[] = [
  { key: 'portal', path: '/portal', roles: ['applicant'] },
  { key: 'workbench', path: '/workbench', roles: [...STAFF_ROLES, 'supervisor', 'designer', 'admin'] },
  { key: 'designer', path: '/designer', roles: ['designer', 'admin'] },
  { key: 'dashboard', path: '/dashboard', roles: ['supervisor', 'director', 'admin'] },
  { key: 'console', path: '/workbench/console', roles: ['director', 'admin'] },
]

const linkStyle = ({ isActive }: { isActive: boolean }) => ({
  color: '#fff',
  padding: '4px 10px',
  borderRadius: 4,
  background: isActive ? 'rgba(255,255,255,.18)' : 'transparent',
  whiteSpace: 'nowrap' as const,
})

/**
 * The frame around every signed-in screen; loaded with the first such screen, not with the
 * login page. Plain links rather than antd Menu/Dropdown keep it small for phones.
 */
export default function AppShell({ children }: { children: ReactNode }) {
  const { t } = useTranslation()
  const { me, logout, hasRole } = useAuth()
  const navigate = useNavigate()
  const items = NAV.filter((item) => hasRole(...item.roles))

  return (
    <AntApp>
      <Layout style={{ minHeight: '100vh' }}>
        <header
          style={{
            display: 'flex',
            flexWrap: 'wrap',
            alignItems: 'center',
            gap: 8,
            padding: '8px 16px',
            background: '#123a6b',
            color: '#fff',
          }}
        >
          <NavLink to="/" style={{ color: '#fff', fontWeight: 600, marginRight: 8 }}>
            {t('appName')}
          </NavLink>
          {items.length > 1 && (
            <nav aria-label={t('nav.main')} style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
              {items.map((item) => (
                <NavLink key={item.key} to={item.path} style={linkStyle}>
                  {t(`nav.${item.key}`)}
                </NavLink>
              ))}
            </nav>
          )}
          <div style={{ flex: 1 }} />
          <LanguageSwitch />
          {me && (
            <>
              <span data-testid="user-name">{me.display_name}</span>
              <Button
                type="text"
                style={{ color: '#fff' }}
                onClick={async () => {
                  await logout()
                  navigate('/login')
                }}
              >
                {t('logout')}
              </Button>
            </>
          )}
        </header>
        {/* antd's Layout.Content is the page's <main> landmark. */}
        <Layout.Content style={{ padding: 'clamp(8px, 2vw, 24px)' }}>{children}</Layout.Content>
        <Layout.Footer style={{ textAlign: 'center', padding: 12 }}>
          <Typography.Text type="secondary">Lexflow · 12348</Typography.Text>
        </Layout.Footer>
      </Layout>
    </AntApp>
  )
}
