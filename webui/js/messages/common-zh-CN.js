// 简体中文：公共文案：应用框架、语言、按钮、导航与角色。Keys match common-en.js.
export default {
  'app.name': 'Kefu 客服',
  'app.loading': '加载中…',
  'app.loadFailed': '页面没有加载成功',

  'lang.switchTo': 'English',
  'lang.switchLabel': '切换语言为 English',
  'lang.zh-CN': '简体中文',
  'lang.en': 'English',

  'action.ok': '确定',
  'action.cancel': '取消',
  'action.save': '保存',
  'action.edit': '编辑',
  'action.retry': '重试',

  'nav.label': '主导航',
  'nav.menu': '菜单',
  'nav.sites': '站点',
  'nav.users': '成员',
  'nav.company': '公司',
  'nav.account': '我的账号',
  'nav.canned': '快捷回复',
  'nav.console': '工作台',
  'nav.logout': '退出登录',
  'logout.unsent.title': '还有消息没有发出去',
  'logout.unsent.message': '有 {n} 条消息还没有送达访客（可能是断网时写的）。退出登录会把它们连同草稿从这台电脑上删除，访客将收不到。想让它们发出去，请取消，等网络恢复、消息发出后再退出。',
  'logout.unsent.ok': '仍然退出',

  'role.owner': '所有者',
  'role.admin': '管理员',
  'role.supervisor': '主管',
  'role.agent': '客服',

  'nav.teams': '团队',
  'nav.kb': '知识库',
  'nav.mail': '邮件',
};
