// The model endpoint's form: the key is sent only when typed (or its removal asked); the route is a knowledge-base page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { llmPayload } from '../../webui/js/kb/llm.js';
import { hrefFor, parseHash, sectionOf } from '../../webui/js/routes.js';

const form = { enabled: true, base_url: ' http://192.168.1.20:11434/v1 ', model: ' qwen2.5:7b ', api_key: '', timeout_seconds: '8', max_entries: '4' };

test('an empty key field keeps the stored key; a typed one replaces it; removal sends ""', () => {
  assert.deepEqual(llmPayload(form), { enabled: true, base_url: 'http://192.168.1.20:11434/v1', model: 'qwen2.5:7b', timeout_seconds: 8, max_entries: 4 });
  assert.equal(llmPayload({ ...form, api_key: ' sk-abc ' }).api_key, 'sk-abc');
  assert.equal(llmPayload(form, { removeKey: true }).api_key, '');
  assert.equal(llmPayload({ ...form, api_key: 'sk-new' }, { removeKey: true }).api_key, 'sk-new');
  assert.equal(llmPayload({ ...form, enabled: 'true' }).enabled, false);
});

test('#/kb/llm is the knowledge base’s AI answers page', () => {
  assert.equal(hrefFor('kb-llm'), '#/kb/llm');
  assert.equal(parseHash('#/kb/llm').name, 'kb-llm');
  assert.equal(sectionOf('kb-llm'), 'kb');
});
