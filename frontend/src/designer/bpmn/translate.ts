/**
 * bpmn-js speaks English; in Chinese mode the palette, context pad and the standard groups of
 * the properties panel say it in Chinese. Unknown strings stay English.
 */
import { currentLang } from '../../app/i18n'

const ZH: Record<string, string> = {
  'Activate create/remove space tool': '插入/删除空白',
  'Activate global connect tool': '连线工具',
  'Activate hand tool': '抓手工具（平移画布）',
  'Activate lasso tool': '框选工具',
  'Add lane above': '在上方添加泳道',
  'Add lane below': '在下方添加泳道',
  'Add text annotation': '添加注释',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append intermediate/boundary event': '追加中间/边界事件',
  'Append task': '追加任务',
  'Append timer intermediate catch event': '追加计时器事件',
  'Append user task': '追加用户任务',
  'Change element': '更改类型',
  'Connect to other element': '连接到其他元素',
  'Connect using association': '用关联连接',
  'Create data object reference': '创建数据对象',
  'Create data store reference': '创建数据存储',
  'Create end event': '创建结束事件',
  'Create expanded sub-process': '创建展开的子流程',
  'Create gateway': '创建网关',
  'Create group': '创建分组',
  'Create intermediate/boundary event': '创建中间/边界事件',
  'Create pool/participant': '创建池',
  'Create start event': '创建开始事件',
  'Create task': '创建任务',
  Delete: '删除',
  'Divide into three lanes': '分为三个泳道',
  'Divide into two lanes': '分为两个泳道',
  'Toggle non-interrupting': '切换非中断',
  General: '常规',
  Name: '名称',
  ID: '标识（ID）',
  Documentation: '说明',
  'Element documentation': '元素说明',
  'Process documentation': '流程说明',
  Process: '流程',
  'Process name': '流程名称',
  'Process ID': '流程标识',
  Executable: '可执行',
  Timer: '计时器',
  Type: '类型',
  Value: '值',
  Date: '日期',
  Duration: '时长',
  Cycle: '循环',
  '<none>': '<无>',
  'Toggle section': '展开/收起',
  'Create new list item': '添加一项',
  Create: '添加',
  'Delete item': '删除此项',
  'Toggle list item': '展开/收起此项',
  'List contains {numOfItems} item': '共 {numOfItems} 项',
  'List contains {numOfItems} items': '共 {numOfItems} 项',
  '<empty>': '<空>',
  'Section contains an error': '本节有错误',
  'Section contains data': '本节已填写',
  'Multi-instance': '多实例',
  Message: '消息',
  Signal: '信号',
  Error: '错误',
  Escalation: '升级',
  Link: '链接',
  'Select an element to edit its properties.': '选择一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single one to edit its properties.': '选中了多个元素，请只选一个来编辑属性。',
  'Element must have an unique id.': 'ID 必须唯一。',
  'ID must not be empty.': 'ID 不能为空。',
  'ID must not contain spaces.': 'ID 不能包含空格。',
  'ID must be a valid QName.': 'ID 须为合法的 QName。',
  'Toggle linting': '开关实时检查',
  'Toggle linting overlays': '显示/隐藏检查结果',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告',
  'No Issues': '没有问题',
  'Element is an implicit end': '隐式结束：请连到结束事件',
  'Element is an implicit start': '隐式开始：请从开始事件连入',
  'Element is missing label/name': '缺少名称',
  'Element is missing name': '缺少名称',
  'Element is not connected': '元素没有连线',
  'Element overlaps with other element': '与其他元素重叠',
  'Element is outside of parent boundary': '超出了所在容器的边界',
  'Flow splits implicitly': '隐式分支：请用网关分支',
  'Gateway forks and joins': '网关同时合并与分支',
  'Incoming flows do not join': '进入的连线没有合并',
  'Gateway is superfluous. It only has one source and target.': '网关多余：只有一进一出',
  'Sequence flow is missing condition': '连线缺少条件',
  'Duplicate outgoing sequence flows': '重复的出线',
  'Duplicate incoming sequence flows': '重复的进线',
  'Event has multiple event definitions': '事件有多个事件定义',
  'Start event must be blank': '开始事件必须为空白事件',
  'Start event is missing event definition': '开始事件缺少事件定义',
  'Termination is superfluous.': '终止事件多余',
  'Sequence flow has superfluous label': '连线标签多余',
  'Process is missing end event': '流程缺少结束事件',
  'Process is missing start event': '流程缺少开始事件',
  'Sub process is missing end event': '子流程缺少结束事件',
  'Sub process is missing start event': '子流程缺少开始事件',
  'Issues for child elements': '子元素的问题',
}

/** Words of the element type labels in the panel header ("Timer Boundary Event (Non Interrupting)"). */
const TYPE_WORDS: Record<string, string> = {
  User: '用户', Manual: '人工', Script: '脚本', Service: '服务', Business: '业务', Rule: '规则', Send: '发送',
  Receive: '接收', Call: '调用', Activity: '活动', Task: '任务', Sub: '子', Process: '流程', Expanded: '展开的',
  Collapsed: '折叠的', Event: '事件', Start: '开始', End: '结束', Intermediate: '中间', Throw: '抛出', Catch: '捕获',
  Boundary: '边界', Timer: '计时器', Message: '消息', Signal: '信号', Error: '错误', Escalation: '升级',
  Conditional: '条件', Compensate: '补偿', Link: '链接', Terminate: '终止', Gateway: '网关', Exclusive: '排他',
  Parallel: '并行', Inclusive: '包容', Complex: '复杂', Based: '', Sequence: '顺序', Flow: '流', Default: '默认',
  Association: '关联', Collaboration: '协作', Participant: '池', Lane: '泳道', Data: '数据', Object: '对象',
  Store: '存储', Reference: '引用', Text: '文本', Annotation: '注释', Group: '分组', Transaction: '事务',
  Non: '非', Interrupting: '中断',
}

function translateTypeLabel(label: string): string | undefined {
  const words = label.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean)
  if (!words.length || !words.every((word) => word in TYPE_WORDS)) return undefined
  const main = label.replace(/\(.*\)/, '').trim().split(/\s+/).map((word) => TYPE_WORDS[word]).join('')
  const note = label.match(/\(([^)]*)\)/)?.[1]
  return note ? `${main}（${note.split(/\s+/).map((word) => TYPE_WORDS[word]).join('')}）` : main
}

export function translate(template: string, replacements?: Record<string, string>): string {
  const text = currentLang() === 'zh' ? (ZH[template] ?? translateTypeLabel(template) ?? template) : template
  return text.replace(/{([^}]+)}/g, (_, key: string) => replacements?.[key] ?? `{${key}}`)
}

export default { translate: ['value', translate] }
