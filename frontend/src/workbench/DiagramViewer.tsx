/**
 * The case on its diagram (bpmn-js NavigatedViewer; load this module lazily): completed steps
 * green, current steps blue and bold (pulsing), steps ahead grey and dashed.
 */
import 'bpmn-js/dist/assets/diagram-js.css'
import 'bpmn-js/dist/assets/bpmn-js.css'

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer'
import { useEffect, useRef, useState } from 'react'

export const MARKERS = { completed: 'wb-completed', current: 'wb-current', waiting: 'wb-waiting' } as const

interface Element {
  id: string
  type: string
  source?: Element
  target?: Element
}

interface Box {
  x: number
  y: number
  width: number
  height: number
}

interface Services {
  canvas: {
    zoom(level?: string | number, center?: string): number
    viewbox(box?: Box): Box & { outer: Box; scale: number }
    addMarker(id: string, marker: string): void
    resized(): void
  }
  elementRegistry: { get(id: string): (Element & Partial<Box>) | undefined; filter(fn: (element: Element) => boolean): Element[] }
}

export interface DiagramViewerProps {
  xml: string
  completed: string[]
  current: string[]
  waiting: string[]
  label: string
  /** Set by the buttons beside the diagram: the whole of it, or the work in hand. */
  view?: { mode: 'fit' | 'work'; seq: number }
  onError?: (message: string) => void
}

/** Smallest zoom at which the labels can still be read. */
const READABLE = 0.7

/**
 * The whole diagram when it fits readably; else a readable zoom centred on the work in hand
 * (the process of a whole service line is wide: fitted, its labels would be specks).
 */
function showWork(canvas: Services['canvas'], registry: Services['elementRegistry'], current: string[], always = false) {
  const scale = canvas.zoom('fit-viewport', 'auto')
  if (scale >= READABLE && !always) return
  const shapes = current.map((id) => registry.get(id)).filter((shape): shape is Element & Box => typeof shape?.x === 'number')
  if (!shapes.length) return
  const left = Math.min(...shapes.map((shape) => shape.x))
  const right = Math.max(...shapes.map((shape) => shape.x + shape.width))
  const top = Math.min(...shapes.map((shape) => shape.y))
  const bottom = Math.max(...shapes.map((shape) => shape.y + shape.height))
  const { outer } = canvas.viewbox()
  const zoom = Math.max(READABLE, Math.min(scale, 1))
  const width = outer.width / zoom
  const height = outer.height / zoom
  canvas.viewbox({ x: (left + right) / 2 - width / 2, y: (top + bottom) / 2 - height / 2, width, height })
}

export default function DiagramViewer({ xml, completed, current, waiting, label, view, onError }: DiagramViewerProps) {
  const container = useRef<HTMLDivElement>(null)
  const viewerRef = useRef<NavigatedViewer | null>(null)
  const [ready, setReady] = useState(false)

  useEffect(() => {
    if (!container.current) return
    const viewer = new NavigatedViewer({ container: container.current })
    viewerRef.current = viewer
    // Under StrictMode React mounts, destroys and mounts again: the first viewer's import
    // finishes after it was destroyed, so every step checks it is still the live one.
    let alive = true
    setReady(false)
    viewer
      .importXML(xml)
      .then(() => {
        if (!alive) return
        const get = <K extends keyof Services>(name: K) => viewer.get(name) as Services[K]
        const canvas = get('canvas')
        const registry = get('elementRegistry')
        const mark = (ids: string[], marker: string) => {
          for (const id of ids) if (registry.get(id)) canvas.addMarker(id, marker)
        }
        mark(completed, MARKERS.completed)
        mark(waiting, MARKERS.waiting)
        mark(current, MARKERS.current)
        // The flows walked so far: from a completed step to a completed or current one.
        const done = new Set(completed)
        const reached = new Set([...completed, ...current])
        for (const flow of registry.filter((element) => element.type === 'bpmn:SequenceFlow')) {
          if (flow.source && flow.target && done.has(flow.source.id) && reached.has(flow.target.id)) canvas.addMarker(flow.id, MARKERS.completed)
        }
        showWork(canvas, registry, current)
        setReady(true)
      })
      .catch((error: unknown) => {
        if (alive) onError?.(error instanceof Error ? error.message : String(error))
      })
    return () => {
      alive = false
      viewerRef.current = null
      viewer.destroy()
    }
    // The arrays come from one query result: re-import when that changes, not on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [xml, completed.join(), current.join(), waiting.join()])

  useEffect(() => {
    if (!view || !viewerRef.current || !ready) return
    const canvas = viewerRef.current.get('canvas') as Services['canvas']
    canvas.resized()
    if (view.mode === 'fit') canvas.zoom('fit-viewport', 'auto')
    else showWork(canvas, viewerRef.current.get('elementRegistry') as Services['elementRegistry'], current, true)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, ready])

  return <div ref={container} className="wb-diagram-canvas" data-ready={ready ? 'true' : 'false'} data-testid="bpmn-canvas" aria-label={label} role="group" />
}
