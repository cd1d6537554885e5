// English: the console's alerts: desktop notifications, sound, queue watching. Keys match console-alerts-zh-CN.js.
export default {
  'console.alerts.ask': 'Turn on desktop notifications',
  'console.alerts.granted': 'Desktop notifications on',
  'console.alerts.denied': 'Notifications blocked by the browser',
  'console.alerts.unsupported': 'Desktop notifications unavailable',
  'console.alerts.unsupportedHint': 'Browsers allow desktop notifications only on HTTPS addresses (or this computer).',

  'console.sound.on': 'Sound: on',
  'console.sound.off': 'Sound: off',
  'console.sound.blocked': 'Sound: blocked, click to enable',
  'console.sound.unsupported': 'Sound unavailable',
  'console.sound.blockedHint': 'The browser keeps a freshly opened page silent until you click it: new chats would make no sound.',
  'console.sound.enable': 'Turn on sound',

  'console.watch.on': 'Queue alerts: every chat',
  'console.watch.off': 'Queue alerts: mine only',
  'console.watch.hint': 'For supervisors: also alert me of every new chat, including those routed to colleagues',

  'console.alert.routed': 'New chat: {name}',
  'console.alert.transferred': '{name} was transferred to you',
  'console.alert.chat': 'Waiting for an agent: {name}',
  'console.alert.watched': 'New visitor: {name}',
  'console.alert.message': 'New message from {name}',
  'console.alert.note': '{author} left you an internal note in the chat with {name}',
  'console.alert.catchUp': 'While you were disconnected',
  'console.alert.catchUp.routed': 'new chats: {count}',
  'console.alert.catchUp.transferred': 'transferred to you: {count}',
  'console.alert.catchUp.messages': 'unread messages: {count}',
  'console.alert.flash': '【New message】',
};
