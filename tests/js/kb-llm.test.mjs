// The model endpoint's form: the key is sent only when typed (or its removal asked); the route is a knowledge-base page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOGS, translate } from '../../webui/js/i18n.js';
import { keyDropped, llmPayload, llmTestText } from '../../webui/js/kb/llm.js';
import { mailFailureKind, mailTestText } from '../../webui/js/mail-test.js';
import { hrefFor, parseHash, sectionOf } from '../../webui/js/routes.js';

const form = { enabled: true, base_url: ' http://192.168.1.20:11434/v1 ', model: ' qwen2.5:7b ', api_key: '', timeout_seconds: '8', max_entries: '4' };

test('an empty key field keeps the stored key; a typed one replaces it; removal sends ""', () => {
  assert.deepEqual(llmPayload(form), { enabled: true, base_url: 'http://192.168.1.20:11434/v1', model: 'qwen2.5:7b', timeout_seconds: 8, max_entries: 4 });
  assert.equal(llmPayload({ ...form, api_key: ' sk-abc ' }).api_key, 'sk-abc');
  assert.equal(llmPayload(form, { removeKey: true }).api_key, '');
  assert.equal(llmPayload({ ...form, api_key: 'sk-new' }, { removeKey: true }).api_key, 'sk-new');
  assert.equal(llmPayload({ ...form, enabled: 'true' }).enabled, false);
});

test('another address with the key field empty goes without the stored key (the page says so)', () => {
  const stored = { base_url: 'http://192.168.1.20:11434/v1', api_key_set: true };
  assert.equal(keyDropped(stored, form), false); // the same address, however written
  assert.equal(keyDropped(stored, { ...form, base_url: 'http://192.168.1.20:11434/v1//' }), false);
  for (const other of ['https://api.deepseek.com/v1', 'http://192.168.1.20:11434/v2', 'https://192.168.1.20:11434/v1',
    'http://192.168.1.20:8080/v1', '']) {
    assert.equal(keyDropped(stored, { ...form, base_url: other }), true, other);
    assert.equal(keyDropped(stored, { ...form, base_url: other, api_key: 'sk-new' }), false, other);
    assert.equal(keyDropped({ ...stored, api_key_set: false }, { ...form, base_url: other }), false, other);
  }
});

test('#/kb/llm is the knowledge base’s AI answers page', () => {
  assert.equal(hrefFor('kb-llm'), '#/kb/llm');
  assert.equal(parseHash('#/kb/llm').name, 'kb-llm');
  assert.equal(sectionOf('kb-llm'), 'kb');
});

test('the console keeps the sources of a model’s answer, and nothing else of `bot`', async () => {
  const { messageFrom } = await import('../../webui/js/console/engine.js');
  const frame = { id: 1, conversation_id: 2, seq: 3, kind: 'text', body: '24小时内发货', sender: { type: 'bot', id: null, name: '小悦' },
    bot: { action: 'answer', answer: '', sources: [{ entry_id: 7, question: '多久发货？' }, { entry_id: 8 }, null] } };
  assert.deepEqual(messageFrom(frame).bot, { sources: [{ entry_id: 7, question: '多久发货？' }] });
  assert.equal('bot' in messageFrom({ ...frame, bot: { action: 'answer', sources: [] } }), false);
  assert.equal('bot' in messageFrom({ ...frame, bot: null }), false);
});

const en = (key, params) => translate(CATALOGS, 'en', key, params);
const zh = (key, params) => translate(CATALOGS, 'zh-CN', key, params);

test("a failed model test says what went wrong in words; the technical detail follows, never as the model's reply", () => {
  const refused = llmTestText({ ok: false, status: 'unreachable', message: 'ConnectionRefusedError', latency_ms: 3 }, zh);
  assert.equal(refused.lead, '无法连接接口，请检查地址以及服务是否在运行。');
  assert.equal(refused.detail, '技术细节：ConnectionRefusedError');
  assert.doesNotMatch(refused.detail, /模型回复/);
  assert.equal(llmTestText({ ok: false, status: 'unreachable', message: 'ConnectionRefusedError' }, en).detail,
    'Technical detail: ConnectionRefusedError');
  assert.equal(llmTestText({ ok: false, status: 'timeout', message: '' }, en).lead, 'No answer within the timeout.');
  assert.equal(llmTestText({ ok: false, status: 'timeout', message: '' }, en).detail, null);
  const http = llmTestText({ ok: false, status: 'http_401', message: 'invalid api key' }, en);
  assert.equal(http.lead, 'The endpoint answered with HTTP error 401.');
  assert.equal(http.detail, 'Technical detail: invalid api key');
  assert.equal(llmTestText({ ok: false, status: 'http_503', message: '' }, zh).lead, '接口返回了 HTTP 错误 503。');
  assert.match(llmTestText({ ok: false, status: 'malformed', message: 'the reply is not JSON' }, en).lead, /not as an OpenAI-compatible/);
  const ok = llmTestText({ ok: true, status: 'ok', message: 'OK', latency_ms: 120 }, zh);
  assert.deepEqual([ok.ok, ok.lead, ok.detail], [true, '连接成功：模型用时 120 毫秒作答。', '模型回复：OK'], 'only a real answer is "what it said"');
});

test('a failed test mail: a sentence per kind of failure, that it stays queued, then the server detail', () => {
  assert.equal(mailFailureKind('ConnectionRefusedError: [Errno 111] Connection refused'), 'connect');
  assert.equal(mailFailureKind('gaierror: [Errno -2] Name or service not known'), 'connect');
  assert.equal(mailFailureKind('TimeoutError: timed out'), 'timeout');
  assert.equal(mailFailureKind("SMTPAuthenticationError: (535, b'5.7.8 bad')"), 'auth');
  assert.equal(mailFailureKind('SSLError: [SSL: WRONG_VERSION_NUMBER]'), 'tls');
  assert.equal(mailFailureKind("SMTPRecipientsRefused: {'x@y': (550, b'no')}"), 'refused');
  assert.equal(mailFailureKind('SMTP is not configured'), 'notConfigured');
  assert.equal(mailFailureKind('something new'), 'other');
  const failed = mailTestText({ sent: false, error: 'ConnectionRefusedError: [Errno 111] Connection refused', mail: { to: 'me@example.com' } }, en);
  assert.equal(failed.lead, 'Not sent: the mail server cannot be reached. Check its address and port. It stays queued and is retried.');
  assert.equal(failed.detail, 'Technical detail: ConnectionRefusedError: [Errno 111] Connection refused');
  const zhFailed = mailTestText({ sent: false, error: '', mail: { last_error: 'TimeoutError: timed out' } }, zh);
  assert.equal(zhFailed.lead, '发送失败：邮件服务器没有及时响应。邮件保留在发送队列中，稍后会重试。');
  assert.deepEqual(mailTestText({ sent: true, mail: { to: 'me@example.com' } }, en),
    { sent: true, lead: 'Sent to me@example.com. Check that mailbox.', detail: null });
  for (const kind of ['connect', 'timeout', 'auth', 'tls', 'refused', 'notConfigured', 'other']) {
    assert.ok(Object.hasOwn(CATALOGS.en, `smtp.test.failed.${kind}`) && Object.hasOwn(CATALOGS['zh-CN'], `smtp.test.failed.${kind}`), kind);
  }
});
