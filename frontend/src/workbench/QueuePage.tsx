/**
 * The caseworker's queue: quick filters with counts, saved filters, search, process filter,
 * sortable and paginated table, claim/unclaim in the row — and all of it from the keyboard.
 */
import { DeleteOutlined, QuestionCircleOutlined, ReloadOutlined, SaveOutlined } from '@ant-design/icons'
import { useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Empty, Form, Input, Modal, Popconfirm, Select, Table, Tooltip, Typography } from 'antd'
import type { InputRef, TableColumnsType, TablePaginationConfig } from 'antd'
import type { SorterResult } from 'antd/es/table/interface'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom'

import { api, ApiError } from '../app/api'
import { useAuth } from '../app/auth'
import type { Task } from '../app/types'
import { pickLang } from '../shared/bilingual'
import {
  activePreset,
  fromSavedQuery,
  orderingFor,
  PAGE_SIZES,
  parseFilters,
  PRESETS,
  sameQuery,
  sortOrderOf,
  toSavedQuery,
  toSearchParams,
  withPreset,
  type Preset,
  type QueueFilters,
} from './filters'
import { formatDateTime } from './format'
import { useHotkeys } from './hotkeys'
import { NS } from './i18n'
import { DueCountdown, Kbd, ShortcutHelp, TaskTags, useLang } from './parts'
import { useClaim, useCounts, useProcesses, useQueue, useSavedFilters } from './queries'
import { rowClassName } from './rows'
import { lastTask, rememberQueue, rememberQueueIds, rememberTask } from './session'
import type { SavedFilter, TaskCounts } from './types'

const PRESET_KEYS: Record<string, Preset | 'all'> = { '0': 'all', ...Object.fromEntries(PRESETS.map((p, i) => [String(i + 1), p])) }

function searchOf(filters: QueueFilters): string {
  const text = toSearchParams(filters).toString()
  return text ? `?${text}` : ''
}

function FilterNav({ filters, counts, savedActive }: { filters: QueueFilters; counts: TaskCounts | undefined; savedActive: boolean }) {
  const { t } = useTranslation(NS)
  const active = savedActive ? null : activePreset(filters)
  const items: (Preset | 'all')[] = ['all', ...PRESETS]
  return (
    <section aria-labelledby="wb-presets-heading">
      <h2 id="wb-presets-heading" className="wb-nav-heading">
        {t('presets')}
      </h2>
      <ul className="wb-nav-list">
        {items.map((preset, index) => {
          const count = preset === 'all' ? undefined : counts?.[preset]
          const key = preset === 'all' ? '0' : String(index)
          const isActive = active === preset
          return (
            <li key={preset}>
              <Link
                to={{ search: searchOf(withPreset(filters, preset)) }}
                className={`wb-nav-item wb-nav-${preset}${isActive ? ' wb-nav-active' : ''}`}
                aria-current={isActive ? 'true' : undefined}
                data-testid={`preset-${preset}`}
                aria-keyshortcuts={key}
              >
                <span aria-hidden>
                  <Kbd>{key}</Kbd>
                </span>
                <span className="wb-nav-label">{t(`preset.${preset}`)}</span>{' '}
                {count !== undefined && (
                  <span className={`wb-count${count > 0 && (preset === 'overdue' || preset === 'green_channel' || preset === 'due_today') ? ` wb-count-${preset}` : ''}`}>
                    {count}
                  </span>
                )}
              </Link>
            </li>
          )
        })}
      </ul>
    </section>
  )
}

function SavedFilters({ filters, onSave }: { filters: QueueFilters; onSave: () => void }) {
  const { t } = useTranslation(NS)
  const { message } = App.useApp()
  const client = useQueryClient()
  const saved = useSavedFilters()
  const lang = useLang()

  async function remove(filter: SavedFilter) {
    try {
      await api(`/task-filters/${filter.id}`, { method: 'DELETE' })
      message.success(t('filterDeleted'))
    } catch (error) {
      message.error(error instanceof ApiError ? pickLang(error.message, lang) : String(error))
    }
    void client.invalidateQueries({ queryKey: ['task-filters'] })
  }

  return (
    <section aria-labelledby="wb-saved-heading">
      <h2 id="wb-saved-heading" className="wb-nav-heading">
        {t('savedFilters')}
      </h2>
      {saved.isError && <Alert type="error" showIcon title={pickLang((saved.error as Error).message, lang)} />}
      {saved.data && saved.data.length === 0 && <p className="wb-muted wb-small">{t('noSavedFilters')}</p>}
      <ul className="wb-nav-list">
        {saved.data?.map((filter) => {
          const target = fromSavedQuery(filter.query)
          const isActive = sameQuery(target, filters)
          return (
            <li key={filter.id} className="wb-saved-item">
              <Link
                to={{ search: searchOf(target) }}
                className={`wb-nav-item${isActive ? ' wb-nav-active' : ''}`}
                aria-current={isActive ? 'true' : undefined}
              >
                <span className="wb-nav-label">{filter.name}</span>
              </Link>
              <Popconfirm title={t('deleteFilterConfirm', { name: filter.name })} onConfirm={() => remove(filter)}>
                <Button type="text" size="small" icon={<DeleteOutlined />} aria-label={t('deleteFilter', { name: filter.name })} />
              </Popconfirm>
            </li>
          )
        })}
      </ul>
      <Button size="small" icon={<SaveOutlined />} onClick={onSave} block>
        {t('saveFilter')}
      </Button>
    </section>
  )
}

function SaveFilterModal({ open, filters, onClose }: { open: boolean; filters: QueueFilters; onClose: () => void }) {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const { message } = App.useApp()
  const client = useQueryClient()
  const lang = useLang()
  const [form] = Form.useForm<{ name: string }>()
  const [busy, setBusy] = useState(false)

  async function onFinish({ name }: { name: string }) {
    setBusy(true)
    try {
      await api('/task-filters', { json: { name, query: toSavedQuery(filters) } })
      message.success(t('filterSaved', { name }))
      void client.invalidateQueries({ queryKey: ['task-filters'] })
      form.resetFields()
      onClose()
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.fieldErrors).length) {
        const nameErrors = error.fieldErrors.name ?? Object.values(error.fieldErrors).flat()
        form.setFields([{ name: 'name', errors: nameErrors.map((text) => pickLang(text, lang)) }])
      } else {
        message.error(error instanceof ApiError ? pickLang(error.message, lang) : tc('error'))
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal
      open={open}
      title={t('saveFilterTitle')}
      onCancel={onClose}
      okText={tc('save')}
      cancelText={tc('cancel')}
      confirmLoading={busy}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false}>
        <Form.Item name="name" label={t('filterName')} rules={[{ required: true, whitespace: true, max: 60 }]}>
          <Input placeholder={t('filterNameHint')} autoFocus maxLength={60} />
        </Form.Item>
      </Form>
    </Modal>
  )
}

export default function QueuePage() {
  const { t } = useTranslation(NS)
  const { t: tc } = useTranslation()
  const lang = useLang()
  const { me } = useAuth()
  const { message } = App.useApp()
  const navigate = useNavigate()
  const location = useLocation()
  const [params, setParams] = useSearchParams()
  const filters = useMemo(() => parseFilters(params), [params])
  const queue = useQueue(filters)
  const counts = useCounts()
  const saved = useSavedFilters()
  const savedActive = Boolean(saved.data?.some((filter) => sameQuery(fromSavedQuery(filter.query), filters)))
  const processes = useProcesses()
  const claim = useClaim()
  const rows = useMemo(() => queue.data?.results ?? [], [queue.data])
  const [helpOpen, setHelpOpen] = useState(false)
  const [saveOpen, setSaveOpen] = useState(false)
  const [selectedId, setSelectedId] = useState<number | null>(() => lastTask())
  const indexRef = useRef(0)
  const pendingEdge = useRef<'first' | 'last' | null>(null)
  const searchRef = useRef<InputRef>(null)
  const [qInput, setQInput] = useState(filters.q ?? '')

  useEffect(() => rememberQueue(location.search), [location.search])
  useEffect(() => {
    if (!queue.isPlaceholderData && rows.length) rememberQueueIds(rows.map((row) => row.id))
  }, [rows, queue.isPlaceholderData])

  function setFilters(next: QueueFilters, replace = false) {
    setParams(toSearchParams(next), { replace })
  }

  // The search box follows the URL (a saved filter, back/forward) ...
  useEffect(() => setQInput(filters.q ?? ''), [filters.q])
  // ... and the URL follows the search box, a moment after typing stops.
  useEffect(() => {
    const q = qInput.trim() || undefined
    if (q === filters.q) return
    const timer = window.setTimeout(() => setFilters({ ...filters, q, page: 1 }, true), 350)
    return () => window.clearTimeout(timer)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qInput])

  // Keep one row selected: the same task if it is still there, else the row in its place.
  useEffect(() => {
    if (queue.isPlaceholderData || !rows.length) return
    if (pendingEdge.current) {
      setSelectedId(pendingEdge.current === 'first' ? rows[0].id : rows[rows.length - 1].id)
      pendingEdge.current = null
      return
    }
    const index = rows.findIndex((row) => row.id === selectedId)
    if (index >= 0) indexRef.current = index
    else setSelectedId(rows[Math.min(indexRef.current, rows.length - 1)].id)
  }, [rows, selectedId, queue.isPlaceholderData])

  useEffect(() => {
    if (selectedId === null) return
    const row = document.querySelector(`tr[data-row-key="${selectedId}"]`) as HTMLElement | null
    row?.scrollIntoView?.({ block: 'nearest' })
  }, [selectedId])

  const selected = rows.find((row) => row.id === selectedId) ?? null

  function move(delta: number) {
    if (!rows.length) return
    const index = rows.findIndex((row) => row.id === selectedId)
    const next = index + delta
    if (next < 0) {
      if (filters.page > 1) {
        pendingEdge.current = 'last'
        setFilters({ ...filters, page: filters.page - 1 })
      }
      return
    }
    if (next >= rows.length) {
      if (queue.data?.next) {
        pendingEdge.current = 'first'
        setFilters({ ...filters, page: filters.page + 1 })
      }
      return
    }
    setSelectedId(rows[next].id)
  }

  function openTask(task: Task) {
    rememberTask(task.id)
    navigate(`/workbench/tasks/${task.id}`)
  }

  async function act(task: Task, action: 'claim' | 'unclaim') {
    setSelectedId(task.id)
    try {
      await claim.mutateAsync({ task, action })
      message.success(t(action === 'claim' ? 'claimed' : 'unclaimed', { name: pickLang(task.name, lang) }))
    } catch (error) {
      message.error(error instanceof ApiError ? pickLang(error.message, lang) : tc('error'))
    }
  }

  useHotkeys(
    [
      { keys: ['j', 'ArrowDown'], handler: () => move(1) },
      { keys: ['k', 'ArrowUp'], handler: () => move(-1) },
      { keys: ['Enter'], handler: () => selected && openTask(selected) },
      { keys: ['c'], handler: () => selected && void act(selected, 'claim') },
      { keys: ['u'], handler: () => selected && void act(selected, 'unclaim') },
      { keys: ['/'], handler: () => searchRef.current?.focus() },
      { keys: ['?'], handler: () => setHelpOpen(true) },
      { keys: Object.keys(PRESET_KEYS), handler: (event) => setFilters(withPreset(filters, PRESET_KEYS[event.key])) },
    ],
    !helpOpen && !saveOpen,
  )

  const columns: TableColumnsType<Task> = [
    {
      title: t('col.case'),
      dataIndex: 'business_key',
      width: 150,
      render: (_: unknown, task) => (
        <Link to={`/workbench/cases/${task.instance}`} className="wb-mono" onClick={() => rememberTask(task.id)}>
          {task.business_key}
        </Link>
      ),
    },
    {
      title: t('col.task'),
      dataIndex: 'name',
      render: (_: unknown, task) => (
        <div className="wb-two-lines">
          <div className="wb-task-cell">
            <Link to={`/workbench/tasks/${task.id}`} onClick={() => rememberTask(task.id)} className="wb-task-link">
              {pickLang(task.name, lang)}
            </Link>
            <TaskTags task={task} />
          </div>
          <span className="wb-muted wb-small">
            {pickLang(task.process_name ?? task.process, lang)}
            {task.stage && ` · ${pickLang(task.stage, lang)}`}
          </span>
        </div>
      ),
    },
    {
      title: t('col.assignee'),
      dataIndex: 'assignee',
      width: 120,
      render: (_: unknown, task) =>
        task.assignee ? (
          <span>{task.assignee.id === me?.id ? <strong>{t('you')}</strong> : task.assignee.display_name}</span>
        ) : (
          <span className="wb-muted">{t('unassignedPerson')}</span>
        ),
    },
    {
      title: t('col.priority'),
      dataIndex: 'priority',
      key: 'priority',
      width: 84,
      align: 'right',
      sorter: true,
      sortOrder: sortOrderOf(filters.ordering, 'priority'),
      sortDirections: ['descend', 'ascend'],
      render: (value: number) => <span className={value >= 90 ? 'wb-priority-high' : undefined}>{value}</span>,
    },
    {
      title: t('col.due'),
      dataIndex: 'due_at',
      key: 'due_at',
      width: 170,
      sorter: true,
      sortOrder: sortOrderOf(filters.ordering, 'due_at'),
      sortDirections: ['ascend', 'descend'],
      render: (_: unknown, task) => <DueCountdown dueAt={task.due_at} days={task.working_days_left} />,
    },
    {
      title: t('col.created'),
      dataIndex: 'created_at',
      key: 'created_at',
      width: 132,
      sorter: true,
      sortOrder: sortOrderOf(filters.ordering, 'created_at'),
      sortDirections: ['descend', 'ascend'],
      render: (value: string) => <span className="wb-small">{formatDateTime(value)}</span>,
    },
    {
      title: t('col.actions'),
      key: 'actions',
      width: 92,
      render: (_: unknown, task) => {
        const name = `${pickLang(task.name, lang)} ${task.business_key}`
        // The visible word starts the button's name; the task it acts on follows, for screen readers.
        if (!task.assignee)
          return (
            <Button size="small" type="primary" ghost onClick={() => void act(task, 'claim')}>
              {t('claim')}
              <span className="wb-sr-only"> {name}</span>
            </Button>
          )
        if (task.assignee.id === me?.id)
          return (
            <Button size="small" onClick={() => void act(task, 'unclaim')}>
              {t('unclaim')}
              <span className="wb-sr-only"> {name}</span>
            </Button>
          )
        return null
      },
    },
  ]

  function onTableChange(pagination: TablePaginationConfig, _filters: unknown, sorter: SorterResult<Task> | SorterResult<Task>[]) {
    const one = Array.isArray(sorter) ? sorter[0] : sorter
    const ordering = orderingFor(one?.columnKey as string | undefined, one?.order)
    const pageSize = pagination.pageSize ?? filters.pageSize
    const sortChanged = ordering !== filters.ordering
    setFilters({
      ...filters,
      ordering,
      pageSize,
      page: sortChanged || pageSize !== filters.pageSize ? 1 : (pagination.current ?? 1),
    })
  }

  const hasConditions = toSearchParams({ ...filters, page: 1 }).toString() !== ''
  const error = queue.error as Error | null

  return (
    <div className="wb-queue-page">
      <div className="wb-page-head">
        <Typography.Title level={1} className="wb-h1">
          {t('queueTitle')}
        </Typography.Title>
        <Button icon={<QuestionCircleOutlined />} onClick={() => setHelpOpen(true)} aria-keyshortcuts="?">
          {t('shortcuts')} <Kbd>?</Kbd>
        </Button>
      </div>
      <div className="wb-queue">
        <nav className="wb-queue-nav" aria-label={t('queueNav')}>
          <FilterNav filters={filters} counts={counts.data} savedActive={savedActive} />
          <SavedFilters filters={filters} onSave={() => setSaveOpen(true)} />
        </nav>
        <section className="wb-queue-main" aria-label={t('queueTitle')}>
          <div className="wb-toolbar" role="search">
            <Input.Search
              ref={searchRef}
              value={qInput}
              onChange={(event) => setQInput(event.target.value)}
              onSearch={(value) => {
                setFilters({ ...filters, q: value.trim() || undefined, page: 1 })
                searchRef.current?.blur()
              }}
              onKeyDown={(event) => {
                if (event.key === 'Escape' || event.key === 'ArrowDown') searchRef.current?.blur()
              }}
              placeholder={t('searchPlaceholder')}
              aria-label={t('searchLabel')}
              aria-keyshortcuts="/"
              allowClear
              className="wb-search"
            />
            <Select
              className="wb-process-select"
              aria-label={t('processLabel')}
              placeholder={t('allProcesses')}
              allowClear
              value={filters.process}
              onChange={(value?: string) => setFilters({ ...filters, process: value || undefined, page: 1 })}
              options={(processes.data ?? []).map((process) => ({ value: process.key, label: pickLang(process.name, lang) }))}
              loading={processes.isLoading}
              popupMatchSelectWidth={false}
            />
            {hasConditions && (
              <Button onClick={() => setParams(new URLSearchParams())}>{t('clearFilters')}</Button>
            )}
            <div className="wb-spacer" />
            <Tooltip title={t('refresh')}>
              <Button
                icon={<ReloadOutlined />}
                aria-label={t('refresh')}
                loading={queue.isFetching}
                onClick={() => {
                  void queue.refetch()
                  void counts.refetch()
                }}
              />
            </Tooltip>
          </div>
          {error && (
            <Alert
              type="error"
              showIcon
              title={error instanceof ApiError ? pickLang(error.message, lang) : tc('error')}
              action={<Button onClick={() => void queue.refetch()}>{tc('retry')}</Button>}
              className="wb-gap"
            />
          )}
          <Table<Task>
            className="wb-table"
            size="small"
            rowKey="id"
            columns={columns}
            dataSource={rows}
            loading={queue.isLoading || (queue.isFetching && queue.isPlaceholderData)}
            rowClassName={(task) => rowClassName(task, task.id === selectedId)}
            onRow={(task) => ({
              onClick: () => setSelectedId(task.id),
              onDoubleClick: () => openTask(task),
              'aria-selected': task.id === selectedId,
            })}
            onChange={onTableChange}
            showSorterTooltip={false}
            locale={{ emptyText: <Empty description={t('empty')} /> }}
            pagination={{
              current: filters.page,
              pageSize: filters.pageSize,
              total: queue.data?.count ?? 0,
              showSizeChanger: true,
              pageSizeOptions: PAGE_SIZES,
              showTotal: (total) => t('total', { count: total }),
              size: 'small',
            }}
          />
        </section>
      </div>
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
      <SaveFilterModal open={saveOpen} filters={filters} onClose={() => setSaveOpen(false)} />
    </div>
  )
}
