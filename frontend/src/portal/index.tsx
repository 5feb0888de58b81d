/**
 * The applicant portal (/portal/*). The home page is part of this chunk and stays small; the
 * other screens (services, the application form, a case) load when first opened.
 */
import { lazy, Suspense } from 'react'
import { Navigate, Route, Routes } from 'react-router-dom'

import { Loading } from '../app/App'
import HomePage from './HomePage'

const ServicesPage = lazy(() => import('./ServicesPage'))
const ApplyPage = lazy(() => import('./ApplyPage'))
const CasePage = lazy(() => import('./CasePage'))

export default function Portal() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route index element={<HomePage />} />
        <Route path="services" element={<ServicesPage />} />
        <Route path="apply/:key" element={<ApplyPage />} />
        <Route path="cases/:id" element={<CasePage />} />
        <Route path="*" element={<Navigate to="/portal" replace />} />
      </Routes>
    </Suspense>
  )
}
