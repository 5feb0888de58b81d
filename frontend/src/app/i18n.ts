/**
 * zh-Hans is the default language, English alongside. Each screen area adds its own namespace
 * (`addResources`) when its chunk loads, so the entry bundle carries only the common words.
 */
import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'

export type Lang = 'zh' | 'en'
const STORAGE_KEY = 'lexflow.lang'

const common = {
  zh: {
    appName: 'Lexflow 公共法律服务',
    login: '登录',
    logout: '退出登录',
    register: '注册',
    username: '用户名',
    password: '密码',
    loginTitle: '登录 Lexflow',
    loginFailed: '用户名或密码错误',
    language: 'English',
    languageLabel: '切换语言',
    loading: '加载中…',
    error: '出错了',
    retry: '重试',
    notFound: '页面不存在',
    back: '返回',
    save: '保存',
    cancel: '取消',
    submit: '提交',
    next: '下一步',
    previous: '上一步',
    search: '搜索',
    download: '下载',
    close: '关闭',
    confirm: '确认',
    nav: {
      main: '主导航',
      portal: '我的服务',
      workbench: '工作台',
      designer: '流程设计',
      dashboard: '监督看板',
      console: '案件运维',
      admin: '系统管理',
      api: '接口文档',
    },
    role: {
      applicant: '申请人',
      caseworker: '承办人',
      reviewer: '审批人',
      director: '负责人',
      lawyer: '律师',
      notary: '公证员',
      mediator: '调解员',
      supervisor: '监督人员',
      designer: '流程设计人员',
      admin: '管理员',
    },
    status: {
      running: '办理中',
      suspended: '已中止',
      completed: '已办结',
      error: '出错',
      cancelled: '已撤销',
      withdrawn: '已撤回',
      incident: '有故障',
      open: '待办',
      claimed: '已认领',
      returned: '已退回',
    },
    noPermission: '您没有访问此页面的权限',
    demoHint: '演示账号密码均为 lexflow-demo',
  },
  en: {
    appName: 'Lexflow Public Legal Services',
    login: 'Log in',
    logout: 'Log out',
    register: 'Register',
    username: 'Username',
    password: 'Password',
    loginTitle: 'Log in to Lexflow',
    loginFailed: 'Wrong username or password',
    language: '中文',
    languageLabel: 'Switch language',
    loading: 'Loading…',
    error: 'Something went wrong',
    retry: 'Retry',
    notFound: 'Page not found',
    back: 'Back',
    save: 'Save',
    cancel: 'Cancel',
    submit: 'Submit',
    next: 'Next',
    previous: 'Previous',
    search: 'Search',
    download: 'Download',
    close: 'Close',
    confirm: 'Confirm',
    nav: {
      main: 'Main navigation',
      portal: 'My services',
      workbench: 'Workbench',
      designer: 'Process designer',
      dashboard: 'Supervision',
      console: 'Case operations',
      admin: 'Administration',
      api: 'API docs',
    },
    role: {
      applicant: 'Applicant',
      caseworker: 'Caseworker',
      reviewer: 'Reviewer',
      director: 'Director',
      lawyer: 'Lawyer',
      notary: 'Notary',
      mediator: 'Mediator',
      supervisor: 'Supervisor',
      designer: 'Process designer',
      admin: 'Administrator',
    },
    status: {
      running: 'In progress',
      suspended: 'Suspended',
      completed: 'Closed',
      error: 'Error',
      cancelled: 'Cancelled',
      withdrawn: 'Withdrawn',
      incident: 'Incident',
      open: 'Open',
      claimed: 'Claimed',
      returned: 'Sent back',
    },
    noPermission: 'You may not open this page',
    demoHint: 'Every demo account uses the password lexflow-demo',
  },
}

function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY)
    if (stored === 'zh' || stored === 'en') return stored
  } catch {
    /* private mode: fall back to the default */
  }
  return 'zh'
}

void i18n.use(initReactI18next).init({
  resources: { zh: { common: common.zh }, en: { common: common.en } },
  lng: initialLang(),
  fallbackLng: 'zh',
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
})

export function setLang(lang: Lang): void {
  void i18n.changeLanguage(lang)
  document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en'
  try {
    localStorage.setItem(STORAGE_KEY, lang)
  } catch {
    /* ignore */
  }
}

export function currentLang(): Lang {
  return i18n.language === 'en' ? 'en' : 'zh'
}

/** Registers a screen area's words: `addResources('portal', {zh: {...}, en: {...}})`. */
export function addResources(namespace: string, resources: { zh: object; en: object }): void {
  i18n.addResourceBundle('zh', namespace, resources.zh, true, true)
  i18n.addResourceBundle('en', namespace, resources.en, true, true)
}

document.documentElement.lang = initialLang() === 'zh' ? 'zh-Hans' : 'en'

export default i18n
