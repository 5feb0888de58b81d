/**
 * Editing one process package: its diagram(s) in the BPMN modeler, its DMN tables and its forms,
 * all kept in one file set that Validate and Deploy send. Server errors are listed and drawn on
 * their elements; a deployed process can be started as a test case.
 */
import {
  CheckCircleOutlined,
  CloudUploadOutlined,
  ExclamationCircleOutlined,
  HistoryOutlined,
  PlusOutlined,
  SafetyCertificateOutlined,
} from '@ant-design/icons'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Checkbox, Empty, Flex, Form, Input, List, Modal, Result, Select, Space, Spin, Tabs, Tag, Tooltip, Typography } from 'antd'
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom'

import { ApiError } from '../app/api'
import { currentLang } from '../app/i18n'
import { pickLang } from '../shared/bilingual'
import { deployFiles, designerKeys, fetchFiles, fetchProcess, fetchProcesses, fetchServiceOperators, validateFiles, type DeployNote } from './api'
import type { BpmnEditorHandle } from './bpmn/BpmnEditor'
import type { DmnEditorHandle } from './dmn/DmnEditor'
import { fileKind, filesOfKind, mainBpmn, processIds, sameFiles, type FileSet } from './files'
import { formatTime } from './format'
import { deployErrorsOf, errorLocation, placeErrors, type DeployError, type PlacedError } from './serverErrors'
import { DEFAULT_GROUP_ROLES, loadDefaultGroup, saveDefaultGroup } from './settings'
import StartTestCase from './StartTestCase'
import { newDecisionXml, newProcessXml, PROCESS_KEY } from './template'

const BpmnEditor = lazy(() => import('./bpmn/BpmnEditor'))
const DmnEditor = lazy(() => import('./dmn/DmnEditor'))
const FormEditor = lazy(() => import('./forms/FormEditor'))

const FORMS_TAB = '__forms__'

function EditorLoading() {
  const { t } = useTranslation('designer')
  return (
    <div className="lexflow-editor-loading" role="status">
      <Spin />
      <div>{t('loadingEditor')}</div>
    </div>
  )
}

interface Problems {
  source: 'validate' | 'deploy'
  at: string
  errors: DeployError[]
  /** the files that were checked, to tell when the package changed since */
  files: FileSet
}

// The version each process was just deployed as, so the confirmation survives the editor being
// unmounted while the new version's files load (router state alone was lost now and then).
const justDeployedVersions = new Map<string, number>()

/** The editor for a deployed process (`/designer/processes/:key`). */
export function EditProcessPage() {
  const { key = '' } = useParams()
  const [search] = useSearchParams()
  const location = useLocation()
  const justDeployed = (location.state as { deployed?: number } | null)?.deployed ?? justDeployedVersions.get(key)
  const { t } = useTranslation('designer')
  const detail = useQuery({ queryKey: designerKeys.detail(key), queryFn: () => fetchProcess(key) })
  const requested = Number(search.get('version')) || undefined
  const version = requested ?? detail.data?.latest_version
  const files = useQuery({
    queryKey: designerKeys.files(key, version ?? 0),
    queryFn: () => fetchFiles(key, version as number),
    enabled: Boolean(version),
    staleTime: Infinity,
  })
  if (detail.isError || files.isError) {
    const error = (detail.error ?? files.error) as Error
    return (
      <Result
        status={error instanceof ApiError && error.status === 404 ? '404' : 'error'}
        title={t('loadFailed')}
        subTitle={error.message}
        extra={<Link to="/designer">{t('backToList')}</Link>}
      />
    )
  }
  if (!detail.data || !files.data) return <EditorLoading />
  return (
    <Editor
      key={`${key}@${version}`}
      processKey={key}
      baseVersion={version as number}
      initialFiles={files.data}
      justDeployed={justDeployed === version ? justDeployed : undefined}
    />
  )
}

/** `/designer/new`: name the process, then model it from the empty diagram. */
export function NewProcessPage() {
  const { t } = useTranslation('designer')
  const processes = useQuery({ queryKey: designerKeys.list, queryFn: fetchProcesses })
  const [chosen, setChosen] = useState<{ key: string; files: FileSet } | null>(null)
  const [form] = Form.useForm()
  const taken = new Set((processes.data ?? []).map((p) => p.key))

  if (chosen) return <Editor processKey={chosen.key} baseVersion={null} initialFiles={chosen.files} />
  return (
    <div className="lexflow-page">
      <Typography.Title level={1} className="lexflow-h1">
        {t('newProcess')}
      </Typography.Title>
      <Card style={{ maxWidth: 560 }}>
        <Form
          form={form}
          layout="vertical"
          onFinish={(values: { key: string; zh: string; en: string }) => {
            const name = [values.zh.trim(), values.en?.trim()].filter(Boolean).join(' / ')
            setChosen({ key: values.key, files: { [`${values.key}.bpmn`]: newProcessXml(values.key, name) } })
          }}
        >
          <Form.Item
            name="key"
            label={t('new.key')}
            extra={t('new.keyHelp')}
            rules={[
              { required: true, message: t('required') },
              { pattern: PROCESS_KEY, message: t('new.keyInvalid') },
              { validator: async (_, value) => (taken.has(value) ? Promise.reject(new Error(t('new.keyTaken'))) : undefined) },
            ]}
          >
            <Input autoComplete="off" placeholder="e.g. legal_review" />
          </Form.Item>
          <Form.Item name="zh" label={t('new.nameZh')} rules={[{ required: true, message: t('required') }]}>
            <Input autoComplete="off" placeholder="例如：法律审查" />
          </Form.Item>
          <Form.Item name="en" label={t('new.nameEn')}>
            <Input autoComplete="off" placeholder="e.g. Legal review" />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" icon={<PlusOutlined />}>
              {t('new.create')}
            </Button>
            <Link to="/designer">{t('cancel')}</Link>
          </Space>
        </Form>
      </Card>
    </div>
  )
}

interface EditorProps {
  processKey: string
  /** the deployed version the files came from; null for a process not deployed yet */
  baseVersion: number | null
  initialFiles: FileSet
  /** the version the previous screen just deployed, to confirm it here */
  justDeployed?: number
}

function Editor({ processKey, baseVersion, initialFiles, justDeployed }: EditorProps) {
  const { t } = useTranslation('designer')
  const { t: tCommon } = useTranslation()
  const { message } = App.useApp()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const lang = currentLang()
  const detail = useQuery({ queryKey: designerKeys.detail(processKey), queryFn: () => fetchProcess(processKey), enabled: baseVersion !== null })
  // The services service tasks can call; without them the panel falls back to typing a name.
  const serviceOperators = useQuery({ queryKey: designerKeys.serviceOperators, queryFn: fetchServiceOperators, staleTime: Infinity })

  const [files, setFiles] = useState<FileSet>(initialFiles)
  const [baseline, setBaseline] = useState<FileSet>(initialFiles)
  const filesRef = useRef(files)
  filesRef.current = files
  const bpmnFiles = useMemo(() => filesOfKind(files, 'bpmn'), [files])
  const dmnFiles = useMemo(() => filesOfKind(files, 'dmn'), [files])
  const formCount = filesOfKind(files, 'schema').length
  const [activeTab, setActiveTab] = useState<string>(() => mainBpmn(initialFiles, processKey) ?? FORMS_TAB)
  const [problems, setProblems] = useState<Problems | null>(null)
  const [busy, setBusy] = useState<'validate' | 'deploy' | null>(null)
  const [deployOpen, setDeployOpen] = useState(false)
  const [isPublic, setIsPublic] = useState(false)
  const [defaultGroup, setDefaultGroup] = useState(loadDefaultGroup)
  const [translated, setTranslated] = useState<{ notes: DeployNote[]; tasks: string[]; group: string } | null>(null)
  const [deployed, setDeployed] = useState<{ version: number; key: string } | null>(
    justDeployed ? { version: justDeployed, key: processKey } : null,
  )
  const [formFocus, setFormFocus] = useState<{ file: string; line: number | null; n: number } | null>(null)
  const [addingDmn, setAddingDmn] = useState(false)
  const [dmnName, setDmnName] = useState('')
  const bpmnHandles = useRef<Record<string, BpmnEditorHandle | null>>({})
  const dmnHandles = useRef<Record<string, DmnEditorHandle | null>>({})
  const pendingSelect = useRef<{ file: string; id: string } | null>(null)

  const latest = detail.data?.versions[0]
  useEffect(() => {
    if (latest) setIsPublic(latest.is_public)
  }, [latest])

  const dirty = !sameFiles(files, baseline)
  useEffect(() => {
    if (!dirty) return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [dirty])

  const setFile = useCallback((name: string, text: string) => setFiles((current) => (current[name] === text ? current : { ...current, [name]: text })), [])
  const getFiles = useCallback(() => filesRef.current, [])

  /** The files as the editors hold them right now (edits still waiting for their debounce included). */
  const flush = async (): Promise<FileSet> => {
    const next = { ...filesRef.current }
    for (const [name, handle] of Object.entries(bpmnHandles.current)) if (handle && name in next) next[name] = await handle.saveXML()
    for (const [name, handle] of Object.entries(dmnHandles.current)) if (handle && name in next) next[name] = await handle.saveXML()
    setFiles(next)
    filesRef.current = next
    return next
  }

  const placed = useMemo(
    () => placeErrors(problems?.errors ?? [], (file, id) => fileKind(file) === 'bpmn' && Boolean(files[file]?.includes(`id="${id}"`))),
    [problems, files],
  )

  const showError = (error: PlacedError) => {
    const kind = fileKind(error.file)
    if (kind === 'bpmn' && error.file in files) {
      setActiveTab(error.file)
      if (error.element_id) {
        pendingSelect.current = { file: error.file, id: error.element_id }
        setTimeout(() => {
          const pending = pendingSelect.current
          if (pending) bpmnHandles.current[pending.file]?.select(pending.id)
          pendingSelect.current = null
        }, 50)
      }
    } else if (kind === 'dmn' && error.file in files) {
      setActiveTab(error.file)
    } else if ((kind === 'schema' || kind === 'uischema') && error.file in files) {
      setActiveTab(FORMS_TAB)
      setFormFocus({ file: error.file, line: error.line, n: Date.now() })
    }
  }

  const validate = async () => {
    setBusy('validate')
    try {
      const sent = await flush()
      const result = await validateFiles(sent, defaultGroup)
      setProblems({ source: 'validate', at: new Date().toISOString(), errors: result.errors, files: sent })
      setTranslated(result.notes.length ? { notes: result.notes, tasks: result.default_group_tasks, group: defaultGroup } : null)
      if (result.ok) message.success(t('validate.ok'))
      else message.error(t('validate.failed', { count: result.errors.length }))
    } catch (error) {
      message.error(error instanceof Error ? error.message : String(error))
    } finally {
      setBusy(null)
    }
  }

  const deploy = async () => {
    setDeployOpen(false)
    setBusy('deploy')
    try {
      const sent = await flush()
      const result = await deployFiles(sent, isPublic, defaultGroup)
      setBaseline(sent)
      setProblems(null)
      const definition = result.definitions.find((d) => d.key === processKey) ?? result.definitions[0]
      setTranslated(
        definition.notes.length ? { notes: definition.notes, tasks: definition.default_group_tasks, group: definition.default_group } : null,
      )
      if (!result.created) {
        message.info(t('deploy.unchanged'))
        await queryClient.invalidateQueries({ queryKey: ['designer'] })
        return
      }
      message.success(t('deploy.done', { version: definition.version }))
      // Shown at once; the remounted editor (when the new version's files arrive) shows it too.
      setDeployed({ version: definition.version, key: definition.key })
      justDeployedVersions.set(definition.key, definition.version)
      // The editor reopens on the new version (same files), which confirms the deploy.
      navigate(`/designer/processes/${encodeURIComponent(definition.key)}`, { replace: true, state: { deployed: definition.version } })
      await queryClient.invalidateQueries({ queryKey: ['designer'] })
    } catch (error) {
      const errors = error instanceof ApiError ? deployErrorsOf(error.body) : null
      if (errors) {
        setProblems({ source: 'deploy', at: new Date().toISOString(), errors, files: filesRef.current })
        message.error(t('deploy.failed', { count: errors.length }))
      } else {
        message.error(error instanceof Error ? error.message : String(error))
      }
    } finally {
      setBusy(null)
    }
  }

  const addDecision = () => {
    const id = dmnName.trim()
    if (!PROCESS_KEY.test(id) || `${id}.dmn` in files) return
    setFiles((current) => ({ ...current, [`${id}.dmn`]: newDecisionXml(id, id) }))
    setActiveTab(`${id}.dmn`)
    setAddingDmn(false)
    setDmnName('')
  }

  const main = mainBpmn(files, processKey)
  const name = (main && processIds(files[main]).find((p) => p.id === processKey)?.name) || detail.data?.name || processKey
  const errorsByFile = placed.byElement

  const tabs = [
    ...bpmnFiles.map((file) => ({
      key: file,
      label: (
        <span>
          {t('tabs.diagram')} <Typography.Text type="secondary">{file}</Typography.Text>
        </span>
      ),
      children: (
        <Suspense fallback={<EditorLoading />}>
          <BpmnEditor
            xml={files[file]}
            label={t('canvasLabel', { file })}
            errors={errorsByFile[file] ?? {}}
            getFiles={getFiles}
            serviceOperators={serviceOperators.data}
            onChange={(xml) => setFile(file, xml)}
            handleRef={(handle) => {
              bpmnHandles.current[file] = handle
            }}
          />
        </Suspense>
      ),
    })),
    ...dmnFiles.map((file) => ({
      key: file,
      label: (
        <span>
          {t('tabs.decision')} <Typography.Text type="secondary">{file}</Typography.Text>
        </span>
      ),
      children: (
        <Suspense fallback={<EditorLoading />}>
          <DmnEditor
            xml={files[file]}
            fileName={file}
            onChange={(xml) => setFile(file, xml)}
            handleRef={(handle) => {
              dmnHandles.current[file] = handle
            }}
          />
        </Suspense>
      ),
    })),
    {
      key: FORMS_TAB,
      label: (
        <span>
          {t('tabs.forms')} <Tag>{formCount}</Tag>
        </span>
      ),
      children: (
        <Suspense fallback={<EditorLoading />}>
          <FormEditor
            files={files}
            onChange={setFile}
            onAdd={(added) => setFiles((current) => ({ ...current, ...added }))}
            onRemove={(names) => setFiles((current) => Object.fromEntries(Object.entries(current).filter(([name]) => !names.includes(name))))}
            serverErrors={problems?.errors.filter((error) => fileKind(error.file) === 'schema' || fileKind(error.file) === 'uischema') ?? []}
            focus={formFocus}
          />
        </Suspense>
      ),
    },
  ]

  return (
    <div className="lexflow-page lexflow-editor-page">
      <Flex align="center" justify="space-between" wrap gap={8} className="lexflow-editor-header">
        <div>
          <Typography.Title level={1} className="lexflow-h1" style={{ marginBottom: 0 }}>
            {pickLang(name, lang)}
          </Typography.Title>
          <Space size={4} wrap>
            <Tag>{processKey}</Tag>
            {baseVersion === null ? (
              <Tag color="blue">{t('notDeployed')}</Tag>
            ) : (
              <Tag>{t('basedOn', { version: baseVersion })}</Tag>
            )}
            {latest && latest.version !== baseVersion && <Tag color="orange">{t('latestIs', { version: latest.version })}</Tag>}
            {baseVersion === null ? null : dirty ? (
              <Tag icon={<ExclamationCircleOutlined />} color="warning" data-testid="dirty">
                {t('dirty')}
              </Tag>
            ) : (
              <Tag icon={<CheckCircleOutlined />}>{t('clean')}</Tag>
            )}
          </Space>
        </div>
        <Space wrap>
          <Link to="/designer">{t('backToList')}</Link>
          <Tooltip title={t('validate.help')}>
            <Button icon={<SafetyCertificateOutlined />} onClick={validate} loading={busy === 'validate'} disabled={busy !== null}>
              {t('validate.button')}
            </Button>
          </Tooltip>
          <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setDeployOpen(true)} loading={busy === 'deploy'} disabled={busy !== null}>
            {t('deploy.button')}
          </Button>
          <Button icon={<PlusOutlined />} onClick={() => setAddingDmn(true)}>
            {t('dmn.add')}
          </Button>
          {latest && <StartTestCase processKey={processKey} version={latest.version} dirty={dirty} />}
          {baseVersion !== null && (
            <Link to={`/designer/processes/${encodeURIComponent(processKey)}/versions`}>
              <Button icon={<HistoryOutlined />}>{t('versions.button')}</Button>
            </Link>
          )}
        </Space>
      </Flex>

      {deployed && (
        <Alert
          type="success"
          showIcon
          closable
          onClose={() => {
            justDeployedVersions.delete(deployed.key)
            setDeployed(null)
          }}
          title={t('deploy.done', { version: deployed.version })}
          action={
            deployed.version > 1 ? (
              <Link to={`/designer/processes/${encodeURIComponent(deployed.key)}/versions?from=${deployed.version - 1}&to=${deployed.version}`}>
                {t('deploy.seeDiff')}
              </Link>
            ) : undefined
          }
          description={deployed.version === 1 ? t('deploy.firstHint') : undefined}
          style={{ marginBottom: 8 }}
        />
      )}

      {translated && (
        <Alert
          type="info"
          showIcon
          closable
          onClose={() => setTranslated(null)}
          title={t('deploy.notesTitle', { count: translated.notes.length })}
          description={
            <>
              {translated.tasks.length > 0 && (
                <p>{t('deploy.defaultGroupTasks', { group: translated.group, tasks: translated.tasks.join(', ') })}</p>
              )}
              <ul className="lexflow-change-list" data-testid="deploy-notes">
                {translated.notes.map((note) => (
                  <li key={`${note.file}:${note.line}:${note.message}`}>
                    {note.file}
                    {note.line ? `:${note.line}` : ''} {note.element_id ? `<${note.element_id}>` : ''} {note.message}
                  </li>
                ))}
              </ul>
            </>
          }
          style={{ marginBottom: 8 }}
        />
      )}

      {problems && (
        <ProblemsPanel
          problems={problems}
          placed={placed.all}
          stale={!sameFiles(problems.files, files)}
          onShow={showError}
          onClose={() => setProblems(null)}
        />
      )}

      <Tabs activeKey={activeTab} onChange={setActiveTab} items={tabs} />

      <Modal
        open={deployOpen}
        title={t('deploy.title')}
        onCancel={() => setDeployOpen(false)}
        onOk={deploy}
        okText={t('deploy.confirm')}
        cancelText={t('cancel')}
        destroyOnHidden
      >
        <p>
          {latest
            ? t('deploy.asVersion', { version: latest.version + 1, key: processKey })
            : t('deploy.asFirst', { key: processKey })}
        </p>
        <p>{t('deploy.running')}</p>
        <p>
          {t('deploy.files')} {Object.keys(files).sort().join(', ')}
        </p>
        <Checkbox checked={isPublic} onChange={(event) => setIsPublic(event.target.checked)}>
          {t('deploy.public')}
        </Checkbox>
        <Form layout="vertical" style={{ marginTop: 12 }}>
          <Form.Item label={t('deploy.defaultGroup')} htmlFor="deploy-default-group" extra={t('deploy.defaultGroupHelp')}>
            <Select
              id="deploy-default-group"
              value={defaultGroup}
              onChange={(group: string) => {
                setDefaultGroup(group)
                saveDefaultGroup(group)
              }}
              options={[
                { value: '', label: t('deploy.noDefaultGroup') },
                ...DEFAULT_GROUP_ROLES.map((role) => ({ value: role, label: `${tCommon(`role.${role}`)} (${role})` })),
              ]}
            />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={addingDmn}
        title={t('dmn.addTitle')}
        onCancel={() => setAddingDmn(false)}
        onOk={addDecision}
        okButtonProps={{ disabled: !PROCESS_KEY.test(dmnName) || `${dmnName}.dmn` in files }}
        okText={t('dmn.addOk')}
        destroyOnHidden
      >
        <Form layout="vertical" onFinish={addDecision}>
          <Form.Item label={t('dmn.newId')} htmlFor="new-decision-id" extra={t('dmn.newIdHelp')}>
            <Input id="new-decision-id" value={dmnName} onChange={(event) => setDmnName(event.target.value.trim())} autoFocus />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  )
}

function ProblemsPanel({
  problems,
  placed,
  stale,
  onShow,
  onClose,
}: {
  problems: Problems
  placed: PlacedError[]
  stale: boolean
  onShow: (error: PlacedError) => void
  onClose: () => void
}) {
  const { t } = useTranslation('designer')
  const when = (
    <>
      {t('problems.checkedAt', { time: formatTime(problems.at) })}
      {stale && (
        <Tag color="warning" style={{ marginLeft: 8 }}>
          {t('problems.stale')}
        </Tag>
      )}
    </>
  )
  if (!problems.errors.length) {
    return (
      <Alert
        type="success"
        showIcon
        closable
        onClose={onClose}
        title={t('validate.ok')}
        description={when}
        style={{ marginBottom: 8 }}
        data-testid="problems"
      />
    )
  }
  return (
    <section className="lexflow-problems" aria-labelledby="lexflow-problems-title" data-testid="problems">
      <Flex justify="space-between" align="center">
        <h2 id="lexflow-problems-title" className="lexflow-h2">
          <ExclamationCircleOutlined style={{ color: '#c62828' }} />{' '}
          {t(problems.source === 'deploy' ? 'problems.deployTitle' : 'problems.title', { count: problems.errors.length })}
        </h2>
        <Typography.Text type="secondary" style={{ flex: 1, marginLeft: 12 }}>
          {when}
        </Typography.Text>
        <Button size="small" type="text" onClick={onClose}>
          {t('close')}
        </Button>
      </Flex>
      <List
        size="small"
        dataSource={placed}
        locale={{ emptyText: <Empty /> }}
        renderItem={(error) => (
          <List.Item
            actions={[
              <Button
                key="show"
                size="small"
                onClick={() => onShow(error)}
                aria-label={t(error.onElement ? 'problems.showAria' : 'problems.openAria', { where: errorLocation(error) })}
              >
                {error.onElement ? t('problems.showOnDiagram') : t('problems.openFile')}
              </Button>,
            ]}
          >
            <List.Item.Meta
              title={
                <Space size={4} wrap>
                  {error.onElement ? <Tag color="error">{t('problems.onElement', { id: error.element_id })}</Tag> : null}
                  <Typography.Text code>{errorLocation(error)}</Typography.Text>
                </Space>
              }
              description={<span className="lexflow-problem-message">{error.message}</span>}
            />
          </List.Item>
        )}
      />
    </section>
  )
}
