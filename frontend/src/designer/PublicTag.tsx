import { Tag } from 'antd'
import { useTranslation } from 'react-i18next'

/** Whether applicants can start the process; dark text on a light fill (WCAG AA). */
export function PublicTag({ isPublic }: { isPublic: boolean }) {
  const { t } = useTranslation('designer')
  return isPublic ? (
    <Tag style={{ color: '#1b5e20', background: '#e8f5e9', borderColor: '#81c784' }}>{t('public')}</Tag>
  ) : (
    <Tag>{t('internal')}</Tag>
  )
}
