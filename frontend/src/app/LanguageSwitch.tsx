import { Button } from 'antd'
import { useTranslation } from 'react-i18next'

import { currentLang, setLang } from './i18n'

export function LanguageSwitch() {
  const { t } = useTranslation()
  return (
    <Button
      type="text"
      // The visible word is part of the accessible name (WCAG 2.5.3); the rest says what it does.
      aria-label={`${t('language')} (${t('languageLabel')})`}
      lang={currentLang() === 'zh' ? 'en' : 'zh-Hans'}
      onClick={() => setLang(currentLang() === 'zh' ? 'en' : 'zh')}
      style={{ color: 'inherit' }}
    >
      {t('language')}
    </Button>
  )
}
