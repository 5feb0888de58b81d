/* Libraries of the designer that ship no TypeScript types. Only what the designer uses. */

declare module 'bpmn-js-properties-panel' {
  export const BpmnPropertiesPanelModule: any
  export const BpmnPropertiesProviderModule: any
  export function useService<T = any>(name: string, strict?: boolean): T
}

declare module '@bpmn-io/properties-panel' {
  type Component = (props: any) => any
  export const Group: Component
  export const TextFieldEntry: Component
  export const TextAreaEntry: Component
  export const SelectEntry: Component
  export const CheckboxEntry: Component
  export const ListEntry: Component
  export const CollapsibleEntry: Component
  export const isTextFieldEntryEdited: (node: HTMLElement) => boolean
  export const isTextAreaEntryEdited: (node: HTMLElement) => boolean
  export const isSelectEntryEdited: (node: HTMLElement) => boolean
  export const isCheckboxEntryEdited: (node: HTMLElement) => boolean
}

declare module 'bpmn-js-bpmnlint' {
  const lintModule: any
  export default lintModule
}

declare module 'bpmnlint/rules/*' {
  const rule: () => unknown
  export default rule
}

declare module 'bpmnlint-utils' {
  export function is(node: unknown, type: string): boolean
  export function isAny(node: unknown, types: string[]): boolean
}

declare module 'dmn-js/lib/Modeler' {
  export default class DmnModeler {
    constructor(options: Record<string, unknown>)
    importXML(xml: string): Promise<{ warnings: unknown[] }>
    saveXML(options?: { format?: boolean }): Promise<{ xml: string }>
    getViews(): { id: string; name?: string; type: string; element: { id: string; name?: string } }[]
    getActiveView(): { id: string; type: string } | undefined
    getActiveViewer(): { get<T = any>(name: string): T } | undefined
    open(view: unknown): Promise<unknown>
    on(event: string, callback: (...args: any[]) => void): void
    off(event: string, callback: (...args: any[]) => void): void
    destroy(): void
  }
}

/* Used by the unit tests only (bpmn-js bundles its own copy). */
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(extensions?: Record<string, unknown>)
    fromXML(xml: string, type?: string): Promise<{ rootElement: any; warnings: unknown[] }>
    toXML(element: unknown, options?: { format?: boolean }): Promise<{ xml: string }>
    create(type: string, attrs?: Record<string, unknown>): any
  }
}

declare module 'bpmnlint' {
  export class Linter {
    constructor(options: { config: unknown; resolver: unknown })
    lint(root: unknown): Promise<Record<string, unknown[]>>
  }
}
