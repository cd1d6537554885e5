// English: shared UI text: the app frame, languages, buttons, navigation and roles. Keys match common-zh-CN.js.
export default {
  'app.name': 'Kefu 客服',
  'app.loading': 'Loading…',
  'app.loadFailed': 'This page did not load',

  'lang.switchTo': '中文',
  'lang.switchLabel': 'Switch language to Chinese',
  'lang.zh-CN': '简体中文',
  'lang.en': 'English',

  'action.ok': 'OK',
  'action.cancel': 'Cancel',
  'action.save': 'Save',
  'action.edit': 'Edit',
  'action.retry': 'Try again',

  'nav.label': 'Main',
  'nav.menu': 'Menu',
  'nav.sites': 'Sites',
  'nav.users': 'Users',
  'nav.company': 'Company',
  'nav.account': 'My account',
  'nav.canned': 'Canned replies',
  'nav.console': 'Console',
  'nav.logout': 'Log out',
  'logout.unsent.title': 'Some messages have not been sent',
  'logout.unsent.message': 'Messages not yet delivered to visitors: {n} (perhaps written while offline). Logging out deletes them, and your drafts, from this computer: the visitors will never get them. To let them go out, cancel and log out once the connection is back and they are sent.',
  'logout.unsent.ok': 'Log out anyway',

  'role.owner': 'Owner',
  'role.admin': 'Admin',
  'role.supervisor': 'Supervisor',
  'role.agent': 'Agent',

  'nav.teams': 'Teams',
  'nav.kb': 'Knowledge base',
  'nav.mail': 'Mail',
};
