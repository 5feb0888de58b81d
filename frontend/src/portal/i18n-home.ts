/** The words of the portal's first page (namespace `portal`), kept apart so the first page stays small. */
import { addResources } from '../app/i18n'

const zh = {
  home: {
    title: '我的服务',
    greeting: '{{name}}，您好',
    myCases: '我的案件',
    noCases: '您还没有办理中的案件。',
    drafts: '未填完的申请',
    draftSaved: '上次保存：{{time}}',
    resume: '继续填写',
    apply: '申请服务',
    applyHint: '法律援助、公证预约、人民调解、投诉等',
    actionNeeded: '需要您处理',
    actionNeededTask: '需要您处理：{{tasks}}',
    caseNumber: '案件编号',
    stage: '当前进度',
    deadline: '办理期限',
    openCase: '查看案件 {{key}}',
    caseList: '案件列表',
  },
  caseName: {
    legal_aid_application: '法律援助申请',
    notary_intake: '公证预约',
    mediation: '人民调解',
    complaint: '投诉',
    legal_consultation: '法律咨询',
  },
  serviceName: {
    legal_aid_application: '申请法律援助',
    notary_intake: '预约公证',
    mediation: '申请人民调解',
    complaint: '投诉',
    legal_consultation: '法律咨询',
  },
  loadFailed: '加载失败',
}

const en: typeof zh = {
  home: {
    title: 'My services',
    greeting: 'Hello, {{name}}',
    myCases: 'My cases',
    noCases: 'You have no cases yet.',
    drafts: 'Applications not finished',
    draftSaved: 'Last saved {{time}}',
    resume: 'Continue',
    apply: 'Apply for a service',
    applyHint: 'Legal aid, notary appointments, mediation, complaints and more',
    actionNeeded: 'Action needed',
    actionNeededTask: 'Action needed: {{tasks}}',
    caseNumber: 'Case number',
    stage: 'Stage',
    deadline: 'Deadline',
    openCase: 'Open case {{key}}',
    caseList: 'Case list',
  },
  caseName: {
    legal_aid_application: 'Legal aid application',
    notary_intake: 'Notary appointment',
    mediation: 'Mediation',
    complaint: 'Complaint',
    legal_consultation: 'Legal question',
  },
  serviceName: {
    legal_aid_application: 'Apply for legal aid',
    notary_intake: 'Book a notary',
    mediation: 'Ask for mediation',
    complaint: 'Make a complaint',
    legal_consultation: 'Ask a legal question',
  },
  loadFailed: 'Could not load',
}

addResources('portal', { zh, en })
