/** The caseworker workbench: the queue, a task beside its case, and the case on its diagram. */
import './i18n'
import './workbench.css'

import { Button, Result } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, Route, Routes } from 'react-router-dom'

import CasePage from './CasePage'
import ConsolePage from './ConsolePage'
import QueuePage from './QueuePage'
import TaskPage from './TaskPage'

function NotFound() {
  const { t } = useTranslation()
  return <Result status="404" title="404" subTitle={t('notFound')} extra={<Button><Link to="/workbench">{t('back')}</Link></Button>} />
}

export default function Workbench() {
  return (
    <Routes>
      <Route index element={<QueuePage />} />
      <Route path="tasks/:id" element={<TaskPage />} />
      <Route path="cases/:id" element={<CasePage />} />
      <Route path="console" element={<ConsolePage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  )
}
