import { Tag } from 'antd'
import type { ReactNode } from 'react'

// antd's preset tag colours are too pale for WCAG AA text contrast; these pass on their backgrounds.
const TONES = {
  bad: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  good: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
  neutral: { color: 'rgba(0, 0, 0, 0.78)', background: '#fafafa', borderColor: '#d9d9d9' },
}

/** A status in words with an icon: colour is never the only signal. */
export function StatusTag({ tone, icon, children }: { tone: keyof typeof TONES; icon?: ReactNode; children: ReactNode }) {
  return (
    <Tag icon={icon} style={TONES[tone]}>
      {children}
    </Tag>
  )
}
