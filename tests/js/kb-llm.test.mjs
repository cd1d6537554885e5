// The model endpoint's form: the key is sent only when typed (or its removal asked); the route is a knowledge-base page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyDropped, llmPayload } from '../../webui/js/kb/llm.js';
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
