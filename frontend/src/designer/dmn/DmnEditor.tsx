/**
 * A DMN file in dmn-js (lazy chunk with its CSS): the decision tables of the file, one at a
 * time. Every edit is saved back into the package's file set, which Validate and Deploy send.
 */
import 'dmn-js/dist/assets/diagram-js.css'
import 'dmn-js/dist/assets/dmn-js-shared.css'
import 'dmn-js/dist/assets/dmn-js-drd.css'
import 'dmn-js/dist/assets/dmn-js-decision-table.css'
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css'
import 'dmn-js/dist/assets/dmn-js-literal-expression.css'
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css'

import { Alert, Segmented } from 'antd'
import DmnModeler from 'dmn-js/lib/Modeler'
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react'
import { useTranslation } from 'react-i18next'

import { pickLang } from '../../shared/bilingual'
import { currentLang } from '../../app/i18n'

export interface DmnEditorHandle {
  saveXML(): Promise<string>
}

export interface DmnEditorProps {
  xml: string
  fileName: string
  onChange: (xml: string) => void
  handleRef?: Ref<DmnEditorHandle>
}

type View = { id: string; type: string; element: { id: string; name?: string } }

export default function DmnEditor({ xml, fileName, onChange, handleRef }: DmnEditorProps) {
  const { t } = useTranslation('designer')
  const containerRef = useRef<HTMLDivElement>(null)
  const modelerRef = useRef<DmnModeler | null>(null)
  const shownXml = useRef<string | null>(null)
  /** the XML as imported, kept (not reformatted by dmn-js) until a table is edited */
  const importedXml = useRef<string | null>(null)
  const edited = useRef(false)
  const onChangeRef = useRef(onChange)
  const [views, setViews] = useState<View[]>([])
  const [active, setActive] = useState<string | undefined>()
  const [error, setError] = useState<string | null>(null)
  onChangeRef.current = onChange

  useEffect(() => {
    let destroyed = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const modeler = new DmnModeler({ container: containerRef.current })
    modelerRef.current = modeler
    shownXml.current = null
    ;(containerRef.current as unknown as { dmnjs?: DmnModeler }).dmnjs = modeler

    const save = () => {
      edited.current = true
      clearTimeout(timer)
      timer = setTimeout(async () => {
        if (destroyed) return
        try {
          const { xml: saved } = await modeler.saveXML({ format: true })
          if (destroyed) return
          shownXml.current = saved
          onChangeRef.current(saved)
        } catch {
          /* mid-edit; the next change saves */
        }
      }, 300)
    }
    // Each view (decision table) has its own viewer and event bus: listen on the active one.
    let bus: { on: (e: string, f: () => void) => void; off: (e: string, f: () => void) => void } | undefined
    const bind = () => {
      bus?.off('elements.changed', save)
      bus = modeler.getActiveViewer()?.get('eventBus')
      bus?.on('elements.changed', save)
    }
    modeler.on('views.changed', (event: { views: View[]; activeView?: View }) => {
      if (destroyed) return
      setViews(event.views.filter((view) => view.type !== 'drd'))
      setActive(event.activeView?.element.id)
      bind()
    })
    return () => {
      destroyed = true
      clearTimeout(timer)
      bus?.off('elements.changed', save)
      modelerRef.current = null
      modeler.destroy()
    }
  }, [])

  useEffect(() => {
    const modeler = modelerRef.current
    if (!modeler || xml === shownXml.current) return
    let cancelled = false
    shownXml.current = xml
    modeler
      .importXML(xml)
      .then(async () => {
        if (cancelled || modelerRef.current !== modeler) return
        importedXml.current = xml
        edited.current = false
        setError(null)
        // Lexflow's DMN files have no DRD layout: open the first decision table, not the DRD.
        const table = modeler.getViews().find((view) => view.type === 'decisionTable')
        const current = modeler.getActiveView()
        if (table && current?.type !== 'decisionTable') await modeler.open(table)
        edited.current = false // opening a view is not an edit
      })
      .catch((err: Error) => {
        if (!cancelled && modelerRef.current === modeler) setError(err.message)
      })
    return () => {
      cancelled = true
    }
  }, [xml])

  useImperativeHandle(handleRef, () => ({
    async saveXML() {
      const modeler = modelerRef.current
      if (!modeler) return shownXml.current ?? xml
      if (!edited.current && importedXml.current !== null) return importedXml.current
      const { xml: saved } = await modeler.saveXML({ format: true })
      shownXml.current = saved // the parent stores it: no re-import when it comes back as `xml`
      return saved
    },
  }))

  const lang = currentLang()
  return (
    <section className="lexflow-dmn" aria-label={fileName}>
      {error && <Alert type="error" showIcon title={t('importFailed')} description={error} />}
      {views.length > 1 && (
        <Segmented
          aria-label={t('dmn.decisions')}
          value={active}
          onChange={(id) => {
            const view = modelerRef.current?.getViews().find((item) => item.element.id === id)
            if (view) void modelerRef.current?.open(view)
          }}
          options={views.map((view) => ({ value: view.element.id, label: pickLang(view.element.name, lang) || view.element.id }))}
          style={{ marginBottom: 8 }}
        />
      )}
      <div ref={containerRef} className="lexflow-dmn-canvas" data-testid="dmn-editor" />
    </section>
  )
}
