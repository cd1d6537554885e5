// Widget pre-chat form rules: which fields to ask, when, and checking the visitor's answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prechatErrors, prechatIdentity } from '../../embed/prechat-form.js';
import { fieldsToAsk, prechatFields } from '../../embed/format.js';

const NAME = { field: 'name', required: true };
const EMAIL = { field: 'email', required: false };
const PHONE = { field: 'phone', required: true };

test('site fields are checked: only name, email and phone, each once, at most 3', () => {
  assert.deepEqual(prechatFields([NAME, { field: 'password', required: true }, { field: 'name' }, EMAIL, PHONE, { field: 'x' }]),
    [NAME, EMAIL, PHONE]);
  assert.deepEqual(prechatFields([{ field: 'email', required: 'yes' }]), [EMAIL]);
  for (const junk of [null, undefined, 'name', {}, [null, 4]]) assert.deepEqual(prechatFields(junk), []);
});

test('asked only before the first conversation, once, and not for what the page already said', () => {
  const fields = [NAME, EMAIL];
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: null, identify: null }), fields);
  assert.deepEqual(fieldsToAsk(fields, { answered: true, conversation: null, identify: null }), []);
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: { id: 1 }, identify: null }), []);
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: null, identify: { name: '张三' } }), [EMAIL]);
  assert.deepEqual(fieldsToAsk(fields, { answered: false, conversation: null, identify: { name: '  ' } }), fields);
});

test('answers: required ones must be there, lengths as the server allows, e-mail looks like one', () => {
  const fields = [NAME, EMAIL, PHONE];
  assert.deepEqual(prechatErrors(fields, {}), { name: 'required', phone: 'required' });
  assert.deepEqual(prechatErrors(fields, { name: ' 张三 ', phone: '13800000000' }), {});
  assert.deepEqual(prechatErrors(fields, { name: 'x'.repeat(81), email: 'not-mail', phone: '1'.repeat(41) }),
    { name: 'long', email: 'email', phone: 'long' });
  assert.deepEqual(prechatErrors(fields, { name: 'a', email: 'a@b.cn', phone: '1' }), {});
});

test('answers become identify fields, trimmed, empty ones left out', () => {
  assert.deepEqual(prechatIdentity([NAME, EMAIL, PHONE], { name: ' 张三 ', email: '', phone: '138' }), { name: '张三', phone: '138' });
});
