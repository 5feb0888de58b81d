import 'antd/dist/reset.css'
import './app/i18n'

import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { ConfigProvider } from 'antd'
import enUS from 'antd/locale/en_US'
import zhCN from 'antd/locale/zh_CN'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import { StrictMode, useEffect } from 'react'
import { createRoot } from 'react-dom/client'
import { useTranslation } from 'react-i18next'
import { BrowserRouter } from 'react-router-dom'

import App from './app/App'
import { AuthProvider } from './app/auth'

// Colours chosen for WCAG AA contrast (axe-core checks the applicant pages in the browser tests).
const THEME = {
  token: {
    colorPrimary: '#1f5fa8',
    colorLink: '#1a4f8c',
    colorTextSecondary: 'rgba(0, 0, 0, 0.66)',
    colorTextDescription: 'rgba(0, 0, 0, 0.66)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
  },
}

const queryClient = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: false, retry: 1 } },
})

function Root() {
  const { i18n } = useTranslation()
  const zh = i18n.language !== 'en'
  useEffect(() => {
    dayjs.locale(zh ? 'zh-cn' : 'en')
  }, [zh])
  return (
    <ConfigProvider locale={zh ? zhCN : enUS} theme={THEME}>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <AuthProvider>
              <App />
            </AuthProvider>
          </BrowserRouter>
        </QueryClientProvider>
    </ConfigProvider>
  )
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
)
