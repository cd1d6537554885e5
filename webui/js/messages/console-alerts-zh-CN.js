// 简体中文：工作台的提醒：桌面通知、提示音、队列提醒。Keys match console-alerts-en.js.
export default {
  'console.alerts.ask': '开启桌面通知',
  'console.alerts.granted': '桌面通知已开启',
  'console.alerts.denied': '桌面通知已被浏览器阻止',
  'console.alerts.unsupported': '桌面通知不可用',
  'console.alerts.unsupportedHint': '浏览器只在 HTTPS 地址（或本机）上允许桌面通知。',

  'console.sound.on': '提示音：开',
  'console.sound.off': '提示音：关',
  'console.sound.blocked': '提示音：被浏览器拦截，点此开启',
  'console.sound.unsupported': '无法播放提示音',
  'console.sound.blockedHint': '浏览器在您点击页面之前不允许播放声音：新对话来了也不会响。',
  'console.sound.enable': '开启提示音',

  'console.watch.on': '队列提醒：所有对话',
  'console.watch.off': '队列提醒：仅我的',
  'console.watch.hint': '主管使用：任何新对话到来时都提醒我，包括分给同事的',

  'console.alert.routed': '新对话：{name}',
  'console.alert.transferred': '{name} 的对话已转接给您',
  'console.alert.chat': '访客等待接待：{name}',
  'console.alert.watched': '新访客：{name}',
  'console.alert.message': '{name} 发来新消息',
  'console.alert.note': '{author} 在 {name} 的对话里给您留了内部备注',
  'console.alert.catchUp': '断线期间的新动态',
  'console.alert.catchUp.routed': '新对话 {count} 个',
  'console.alert.catchUp.transferred': '转接给您的对话 {count} 个',
  'console.alert.catchUp.messages': '未读消息 {count} 条',
  'console.alert.flash': '【新消息】',
};
