/**
 * Two versions side by side (bpmn-js viewers, lazy chunk): removed elements marked on the old
 * diagram, added ones on the new, changed ones on both; each mark has a symbol badge besides its
 * colour. Panning or zooming one diagram moves the other, so the same spot stays in view.
 */
import 'bpmn-js/dist/assets/diagram-js.css'
import 'bpmn-js/dist/assets/bpmn-js.css'
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css'

import { Alert, Typography } from 'antd'
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer'
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'

import { LEGEND, type ChangeKind } from '../diffLegend'
import spiffworkflow from './spiffworkflow.json'

type AnyService = any

export interface DiffViewerProps {
  fromXml: string
  toXml: string
  fromLabel: string
  toLabel: string
  markers: { from: Record<string, ChangeKind>; to: Record<string, ChangeKind> }
  /** an element to bring into view in both diagrams */
  focus?: { id: string; n: number } | null
}

function useViewer(xml: string, marks: Record<string, ChangeKind>, label: string) {
  const ref = useRef<HTMLDivElement>(null)
  const viewerRef = useRef<NavigatedViewer | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [ready, setReady] = useState(0)
  const { t } = useTranslation('designer')

  useEffect(() => {
    let destroyed = false
    const viewer = new NavigatedViewer({ container: ref.current as HTMLElement, moddleExtensions: { spiffworkflow } })
    viewerRef.current = viewer
    ;(ref.current as unknown as { bpmnjs?: NavigatedViewer }).bpmnjs = viewer
    viewer
      .importXML(xml)
      .then(() => {
        if (destroyed) return
        ;(viewer.get('canvas') as AnyService).zoom('fit-viewport', 'auto')
        setReady((n) => n + 1)
      })
      .catch((err: Error) => !destroyed && setError(err.message))
    return () => {
      destroyed = true
      viewerRef.current = null
      viewer.destroy()
    }
  }, [xml])

  useEffect(() => {
    const viewer = viewerRef.current
    if (!viewer || !ready) return
    const canvas = viewer.get('canvas') as AnyService
    const overlays = viewer.get('overlays') as AnyService
    const registry = viewer.get('elementRegistry') as AnyService
    overlays.remove({ type: 'lexflow-diff' })
    for (const element of registry.getAll()) {
      for (const legend of Object.values(LEGEND)) canvas.removeMarker(element, legend.marker)
    }
    for (const [id, kind] of Object.entries(marks)) {
      const element = registry.get(id)
      if (!element) continue
      canvas.addMarker(element, LEGEND[kind].marker)
      if (element.waypoints) continue // flows: the coloured line is enough, the list names them
      const badge = document.createElement('div')
      badge.className = `lexflow-diff-badge lexflow-diff-badge-${kind}`
      badge.textContent = LEGEND[kind].symbol
      badge.title = `${t(`diff.kind.${kind}`)}: ${element.businessObject?.name || id}`
      badge.setAttribute('role', 'img')
      badge.setAttribute('aria-label', badge.title)
      overlays.add(element, 'lexflow-diff', { position: { top: -10, right: 10 }, html: badge })
    }
  }, [marks, ready, t, label])

  return { ref, viewerRef, error, ready }
}

export default function DiffViewer({ fromXml, toXml, fromLabel, toLabel, markers, focus }: DiffViewerProps) {
  const { t } = useTranslation('designer')
  const left = useViewer(fromXml, markers.from, fromLabel)
  const right = useViewer(toXml, markers.to, toLabel)

  // Keep the two viewboxes together.
  useEffect(() => {
    const a = left.viewerRef.current
    const b = right.viewerRef.current
    if (!a || !b || !left.ready || !right.ready) return
    let syncing = false
    const follow = (source: AnyService, target: AnyService) => () => {
      if (syncing) return
      syncing = true
      try {
        target.get('canvas').viewbox(source.get('canvas').viewbox())
      } finally {
        syncing = false
      }
    }
    const onA = follow(a, b)
    const onB = follow(b, a)
    a.on('canvas.viewbox.changed', onA)
    b.on('canvas.viewbox.changed', onB)
    onB() // start from the new version's fit
    return () => {
      a.off('canvas.viewbox.changed', onA)
      b.off('canvas.viewbox.changed', onB)
    }
  }, [left.ready, right.ready, left.viewerRef, right.viewerRef])

  useEffect(() => {
    if (!focus) return
    let centred = false
    for (const viewer of [right.viewerRef.current, left.viewerRef.current]) {
      if (!viewer) continue
      const registry = viewer.get('elementRegistry') as AnyService
      const canvas = viewer.get('canvas') as AnyService
      for (const other of registry.filter((e: AnyService) => canvas.hasMarker(e, 'lexflow-diff-focus'))) canvas.removeMarker(other, 'lexflow-diff-focus')
      const element = registry.get(focus.id)
      if (!element) continue
      canvas.addMarker(element, 'lexflow-diff-focus')
      if (centred) continue // the other viewer follows the viewbox
      centred = true
      const point = element.waypoints
        ? element.waypoints[Math.floor(element.waypoints.length / 2)]
        : { x: element.x + element.width / 2, y: element.y + element.height / 2 }
      const { outer } = canvas.viewbox()
      const scale = 0.9
      canvas.viewbox({ x: point.x - outer.width / scale / 2, y: point.y - outer.height / scale / 2, width: outer.width / scale, height: outer.height / scale })
    }
  }, [focus, left.viewerRef, right.viewerRef, left.ready, right.ready])

  return (
    <div className="lexflow-diff">
      {[
        { side: left, label: fromLabel, key: 'from' },
        { side: right, label: toLabel, key: 'to' },
      ].map(({ side, label, key }) => (
        <figure key={key} className="lexflow-diff-pane">
          <figcaption>
            <Typography.Text strong>{label}</Typography.Text>
          </figcaption>
          {side.error && <Alert type="error" showIcon title={t('importFailed')} description={side.error} />}
          <div ref={side.ref} className="lexflow-diff-canvas" data-testid={`diff-${key}`} />
        </figure>
      ))}
    </div>
  )
}
