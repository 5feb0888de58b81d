/**
 * The BPMN modeler with its properties panel (standard groups + the Lexflow group), in-browser
 * lint (bpmnlint) and the server's errors drawn on their elements. This module is the lazy
 * chunk that carries bpmn-js and its CSS.
 */
import 'bpmn-js/dist/assets/diagram-js.css'
import 'bpmn-js/dist/assets/bpmn-js.css'
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css'
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css'
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css'

import { Alert } from 'antd'
import lintModule from 'bpmn-js-bpmnlint'
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel'
import Modeler from 'bpmn-js/lib/Modeler'
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react'
import { useTranslation } from 'react-i18next'

import type { ServiceOperatorInfo } from '../api'
import type { FileSet } from '../files'
import type { DeployError } from '../serverErrors'
import LexflowPropertiesModule from './LexflowPropertiesProvider'
import { packedLintConfig } from './lint'
import spiffworkflow from './spiffworkflow.json'
import translateModule from './translate'

export interface BpmnEditorHandle {
  saveXML(): Promise<string>
  select(id: string): void
  hasElement(id: string): boolean
}

export interface BpmnEditorProps {
  xml: string
  /** element id -> the server's errors on it */
  errors: Record<string, DeployError[]>
  getFiles: () => FileSet
  /** the services the server answers, for service tasks (undefined: not loaded, or not available) */
  serviceOperators?: ServiceOperatorInfo[]
  onChange: (xml: string) => void
  handleRef?: Ref<BpmnEditorHandle>
  label: string
}

type AnyService = any

const ERROR_MARKER = 'lexflow-server-error'

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string)
}

/**
 * The whole diagram, clear of the palette, at most at 100%; a process too wide to read that way
 * is shown from its start at 75%.
 */
function showReadable(canvas: AnyService) {
  canvas.zoom('fit-viewport', 'auto')
  const box = canvas.viewbox()
  const { inner, outer } = box
  if (!inner.width || !inner.height) return
  const palette = 140
  let scale = Math.min(1, (outer.width - palette - 20) / inner.width, (outer.height - 40) / inner.height)
  if (scale < 0.55) scale = 0.75
  canvas.viewbox({ x: inner.x - palette / scale, y: inner.y - 20 / scale, width: outer.width / scale, height: outer.height / scale })
}

export default function BpmnEditor({ xml, errors, getFiles, serviceOperators, onChange, handleRef, label }: BpmnEditorProps) {
  const { t } = useTranslation('designer')
  const canvasRef = useRef<HTMLDivElement>(null)
  const panelRef = useRef<HTMLDivElement>(null)
  const modelerRef = useRef<Modeler | null>(null)
  const shownXml = useRef<string | null>(null)
  /** the XML as imported: what the file stays while there is nothing to undo (no reformatting) */
  const importedXml = useRef<string | null>(null)
  const onChangeRef = useRef(onChange)
  const getFilesRef = useRef(getFiles)
  const serviceOperatorsRef = useRef(serviceOperators)
  const [importError, setImportError] = useState<string | null>(null)
  const [imported, setImported] = useState(0)
  onChangeRef.current = onChange
  getFilesRef.current = getFiles
  serviceOperatorsRef.current = serviceOperators

  // One modeler per mount. Under StrictMode the first instance is destroyed at once: every
  // asynchronous step checks `destroyed` before touching it.
  useEffect(() => {
    let destroyed = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const modeler = new Modeler({
      container: canvasRef.current as HTMLElement,
      propertiesPanel: { parent: panelRef.current },
      linting: { bpmnlint: packedLintConfig, active: true },
      lexflow: { getFiles: () => getFilesRef.current(), getServiceOperators: () => serviceOperatorsRef.current },
      additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, LexflowPropertiesModule, lintModule, translateModule],
      moddleExtensions: { spiffworkflow },
    })
    modelerRef.current = modeler
    importedXml.current = null
    shownXml.current = null // a new modeler shows nothing yet: the import effect below fills it
    // For people and tests driving bpmn-js directly (e.g. page.evaluate in browser tests).
    ;(canvasRef.current as unknown as { bpmnjs?: Modeler }).bpmnjs = modeler
    modeler.on('commandStack.changed', (event: { trigger?: string }) => {
      if (event.trigger === 'clear') return // a new import, not an edit
      clearTimeout(timer)
      timer = setTimeout(async () => {
        if (destroyed) return
        if (!(modeler.get('commandStack') as AnyService).canUndo() && importedXml.current !== null) {
          // Everything undone: the file is the original text again, not bpmn-js's reformatting of it.
          shownXml.current = importedXml.current
          onChangeRef.current(importedXml.current)
          return
        }
        try {
          const { xml: saved } = await modeler.saveXML({ format: true })
          if (destroyed || saved === undefined) return
          shownXml.current = saved
          onChangeRef.current(saved)
        } catch {
          /* a half-finished edit; the next change saves */
        }
      }, 250)
    })
    return () => {
      destroyed = true
      clearTimeout(timer)
      modelerRef.current = null
      modeler.destroy()
    }
  }, [])

  // (Re)import when the XML comes from outside (first load, another version), not when it is
  // our own saved output coming back through the parent's state.
  useEffect(() => {
    const modeler = modelerRef.current
    if (!modeler || xml === shownXml.current) return
    let cancelled = false
    shownXml.current = xml
    modeler
      .importXML(xml)
      .then(() => {
        if (cancelled || modelerRef.current !== modeler) return
        importedXml.current = xml
        setImportError(null)
        showReadable(modeler.get('canvas') as AnyService)
        setImported((n) => n + 1)
      })
      .catch((error: Error) => {
        if (cancelled || modelerRef.current !== modeler) return
        setImportError(error.message)
      })
    return () => {
      cancelled = true
    }
  }, [xml])

  // The services arrive after the panel first rendered: show them in it.
  useEffect(() => {
    const modeler = modelerRef.current
    if (modeler) (modeler.get('eventBus') as AnyService).fire('propertiesPanel.providersChanged')
  }, [serviceOperators])

  // The server's errors: a red outline and a badge on each element (badge text, not only colour).
  useEffect(() => {
    const modeler = modelerRef.current
    if (!modeler) return
    const overlays = modeler.get('overlays') as AnyService
    const canvas = modeler.get('canvas') as AnyService
    const registry = modeler.get('elementRegistry') as AnyService
    const marked: string[] = []
    for (const [id, list] of Object.entries(errors)) {
      const element = registry.get(id)
      if (!element) continue
      canvas.addMarker(element, ERROR_MARKER)
      marked.push(id)
      const title = list.map((error) => error.message).join('\n')
      const html = document.createElement('div')
      html.className = 'lexflow-error-badge'
      html.setAttribute('role', 'img')
      html.setAttribute('aria-label', `${t('serverError')}: ${title}`)
      html.title = title
      html.innerHTML = `<span aria-hidden="true">!</span> ${escapeHtml(t('errorCount', { count: list.length }))}`
      html.dataset.elementId = id
      html.addEventListener('click', () => (modeler.get('selection') as AnyService).select(element))
      overlays.add(element, 'lexflow-error', { position: { top: -22, left: 0 }, html })
    }
    return () => {
      if (modelerRef.current !== modeler) return
      overlays.remove({ type: 'lexflow-error' })
      for (const id of marked) {
        const element = registry.get(id)
        if (element) canvas.removeMarker(element, ERROR_MARKER)
      }
    }
  }, [errors, imported, t])

  useImperativeHandle(
    handleRef,
    () => ({
      async saveXML() {
        const modeler = modelerRef.current
        if (!modeler) return shownXml.current ?? xml
        if (!(modeler.get('commandStack') as AnyService).canUndo() && importedXml.current !== null) return importedXml.current
        const { xml: saved } = await modeler.saveXML({ format: true })
        if (saved === undefined) return shownXml.current ?? xml
        shownXml.current = saved // the parent stores it: no re-import when it comes back as `xml`
        return saved
      },
      select(id: string) {
        const modeler = modelerRef.current
        if (!modeler) return
        const element = (modeler.get('elementRegistry') as AnyService).get(id)
        if (!element) return
        ;(modeler.get('selection') as AnyService).select(element)
        const canvas = modeler.get('canvas') as AnyService
        if (element.waypoints || element.width) canvas.scrollToElement(element, { top: 120, bottom: 120, left: 120, right: 120 })
      },
      hasElement(id: string) {
        return Boolean(modelerRef.current && (modelerRef.current.get('elementRegistry') as AnyService).get(id))
      },
    }),
    [xml],
  )

  return (
    <div className="lexflow-bpmn-editor">
      {importError && <Alert type="error" showIcon title={t('importFailed')} description={importError} style={{ marginBottom: 8 }} />}
      <div className="lexflow-bpmn-body">
        <div ref={canvasRef} className="lexflow-bpmn-canvas" data-testid="bpmn-canvas" role="application" aria-label={label} tabIndex={0} />
        <aside ref={panelRef} className="lexflow-properties" aria-label={t('propertiesPanel')} data-testid="properties-panel" />
      </div>
    </div>
  )
}
