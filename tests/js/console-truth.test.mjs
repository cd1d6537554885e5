// The console tells the truth: sound it can play, the visitor's page, whose site, who can take a transfer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { soundAction, soundState } from '../../webui/js/console/alerts-policy.js';
import { EMOJI, insertEmoji } from '../../webui/js/console/emoji.js';
import { readableOn, siteCard } from '../../webui/js/console/present.js';
import { canTakeChat, transferChoices } from '../../webui/js/console/presence.js';
import { ConversationStore } from '../../webui/js/console/store.js';
import { attributeLabel, followVisitor, KNOWN_ATTRIBUTES, readableUrl } from '../../webui/js/console/visitor-info.js';
import { CATALOGS } from '../../webui/js/i18n.js';

test('the sound switch never claims sound that will not play', () => {
  assert.equal(soundState({ supported: true, muted: false, running: true }), 'on');
  assert.equal(soundState({ supported: true, muted: false, running: false }), 'blocked');
  assert.equal(soundState({ supported: true, muted: true, running: false }), 'off');
  assert.equal(soundState({ supported: true, muted: true, running: true }), 'off');
  assert.equal(soundState({ supported: false, muted: false, running: false }), 'unsupported');
  // A click acts on what the switch showed (audio may start running during that very click).
  assert.equal(soundAction('blocked'), 'enable');
  assert.equal(soundAction('on'), 'mute');
  assert.equal(soundAction('off'), 'unmute');
  assert.equal(soundAction('unsupported'), 'none');
});

test('a visitor frame updates the details shown and the names in the lists, nothing else', () => {
  const store = new ConversationStore({ id: 1, role: 'agent' });
  store.applyConversation({ id: 5, site_id: 1, status: 'open', visitor: { id: 9, name: '', email: '', phone: '' } });
  store.applyConversation({ id: 6, site_id: 1, status: 'open', visitor: { id: 10, name: '李', email: '', phone: '' } });
  const details = new Map([[5, { visitor: { id: 9, page_url: 'https://a.cn/', online: false }, previous: [] }],
    [6, { visitor: { id: 10, page_url: 'https://a.cn/x' }, previous: [] }]]);
  const before6 = details.get(6);
  const moved = { id: 9, name: '王女士', email: '', phone: '', page_url: 'https://a.cn/价格', page_title: '价格', online: true };
  assert.equal(followVisitor(details, store, moved), true);
  assert.equal(details.get(5).visitor.page_url, 'https://a.cn/价格');
  assert.equal(details.get(5).visitor.online, true);
  assert.equal(store.get(5).visitor.name, '王女士');
  assert.equal(details.get(6), before6, 'another visitor: untouched');
  assert.equal(followVisitor(details, store, { id: 77, page_url: 'x' }), false);
  assert.equal(followVisitor(details, store, null), false);
  assert.equal(followVisitor(details, store, { id: '9' }), false);
});

test('page addresses are shown decoded, but never hiding what they are', () => {
  assert.equal(readableUrl('https://shop.cn/%E4%BB%B7%E6%A0%BC?q=%E6%B4%97%E7%89%99'), 'https://shop.cn/价格?q=洗牙');
  assert.equal(readableUrl('https://shop.cn/a%2Fb'), 'https://shop.cn/a%2Fb', 'reserved characters stay encoded');
  assert.equal(readableUrl('https://shop.cn/%E4%BB'), 'https://shop.cn/%E4%BB', 'malformed: as it is');
  assert.equal(readableUrl('https://shop.cn/%0Aevil'), 'https://shop.cn/%0Aevil', 'control characters stay encoded');
  assert.equal(readableUrl('https://shop.cn/%E2%80%AEtxt'), 'https://shop.cn/%E2%80%AEtxt', 'no bidi tricks');
  assert.equal(readableUrl('https://shop.cn/a%20b'), 'https://shop.cn/a b');
  assert.equal(readableUrl('https://shop.cn/plain'), 'https://shop.cn/plain');
  assert.equal(readableUrl(null), '');
});

test('attribute labels: ours in words (both languages), a website\'s own as named', () => {
  for (const lang of ['zh-CN', 'en']) {
    const t = (key) => CATALOGS[lang][key] ?? key;
    for (const key of KNOWN_ATTRIBUTES) assert.notEqual(attributeLabel(key, t), key, `${lang} ${key}`);
    assert.equal(attributeLabel('vip_level', t), 'vip_level');
  }
  assert.equal(attributeLabel('wechat', (key) => CATALOGS['zh-CN'][key]), '微信');
});

test('a site\'s business card: visible name, safe colour and logo, readable ink', () => {
  const site = { id: 3, name: '官网', display_name: '', theme_color: '#1F6FEB', logo_url: 'https://cdn.cn/logo.png' };
  const card = siteCard(site, { name: '悦齿口腔' });
  assert.deepEqual(card, { id: 3, name: '悦齿口腔', siteName: '官网', color: '#1f6feb', ink: '#ffffff',
    logo: 'https://cdn.cn/logo.png', initial: '悦' });
  const odd = siteCard({ id: 4, name: 'b', display_name: '贝', theme_color: 'red;background:url(x)', logo_url: 'javascript:alert(1)' }, null);
  assert.equal(odd.color, '#5f6777');
  assert.equal(odd.logo, null);
  assert.equal(siteCard(null, null), null);
  assert.equal(readableOn('#ffeb3b'), '#000000');
  assert.equal(readableOn('#1d1d1f'), '#ffffff');
});

test('the transfer picker: who can take it first, never preselecting someone who cannot', () => {
  const agents = [
    { id: 1, display_name: '甲', status: 'offline', active_chats: 0, max_chats: 5 },
    { id: 2, display_name: '乙', status: 'online', active_chats: 5, max_chats: 5 },
    { id: 3, display_name: '丙', status: 'online', active_chats: 3, max_chats: 5 },
    { id: 4, display_name: '丁', status: 'busy', active_chats: 0, max_chats: 5 },
    { id: 5, display_name: '戊', status: 'online', active_chats: 1, max_chats: 5 },
  ];
  assert.equal(canTakeChat(agents[1]), false, 'full');
  assert.equal(canTakeChat(agents[3]), false, 'busy');
  const { agents: ordered, preselect } = transferChoices(agents);
  assert.deepEqual(ordered.map((a) => a.id), [5, 3, 2, 4, 1]);
  assert.equal(preselect, 5);
  assert.equal(transferChoices(agents, 5).preselect, 3, 'not myself');
  assert.equal(transferChoices([agents[0], agents[3]]).preselect, null);
  assert.equal(transferChoices([]).preselect, null);
});

test('emoji go in at the caret, over a selection', () => {
  assert.ok(EMOJI.length >= 40 && EMOJI.every((e) => typeof e === 'string' && e.length <= 4));
  assert.deepEqual(insertEmoji('你好', 2, 2, '😊'), { value: '你好😊', caret: 4 });
  assert.deepEqual(insertEmoji('abc', 1, 2, '👍'), { value: 'a👍c', caret: 3 });
  assert.deepEqual(insertEmoji('abc', undefined, undefined, '👍'), { value: 'abc👍', caret: 5 });
  assert.deepEqual(insertEmoji('abc', 9, 1, '👍'), { value: 'abc👍', caret: 5 });
});

test('keys built at run time exist: alert kinds, sound states, statuses, queue watching', () => {
  const keys = [
    ...['routed', 'transferred', 'chat', 'watched', 'message', 'pending', 'unanswered', 'flash']
      .map((kind) => `console.alert.${kind}`),
    ...['on', 'off', 'blocked', 'unsupported', 'blockedHint', 'enable'].map((s) => `console.sound.${s}`),
    ...['online', 'busy', 'away', 'offline'].map((s) => `console.presence.${s}`),
    'console.watch.on', 'console.watch.off', 'console.watch.hint', 'console.transfer.load', 'console.transfer.choose',
    'console.emoji.button', 'console.emoji.title',
  ];
  for (const lang of ['zh-CN', 'en']) assert.deepEqual(keys.filter((key) => !Object.hasOwn(CATALOGS[lang], key)), [], lang);
});
