import './i18n'
import './designer.css'

import { Button, Result } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, Route, Routes } from 'react-router-dom'

import { EditProcessPage, NewProcessPage } from './EditorPage'
import ProcessListPage from './ProcessListPage'
import MigrationPage from './MigrationPage'
import VersionsPage from './VersionsPage'

/** The process designer: list, editor (BPMN, DMN, forms), versions and diff, moving cases between versions. */
export default function Designer() {
  return (
    <Routes>
      <Route index element={<ProcessListPage />} />
      <Route path="new" element={<NewProcessPage />} />
      <Route path="processes/:key" element={<EditProcessPage />} />
      <Route path="processes/:key/versions" element={<VersionsPage />} />
      <Route path="processes/:key/migrate" element={<MigrationPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  )
}

function NotFound() {
  const { t } = useTranslation()
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('notFound')}
      extra={
        <Link to="/designer">
          <Button>{t('back')}</Button>
        </Link>
      }
    />
  )
}
