import './i18n'
import './dashboard.css'

import { Navigate, Route, Routes } from 'react-router-dom'

import DashboardPage from './DashboardPage'

/** The supervision dashboard (/dashboard): figures per service line, drill-downs, volume, overdue work. */
export default function Dashboard() {
  return (
    <Routes>
      <Route index element={<DashboardPage />} />
      <Route path="*" element={<Navigate to="/dashboard" replace />} />
    </Routes>
  )
}
