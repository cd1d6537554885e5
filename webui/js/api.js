// Fetch wrapper for the appliance's JSON API: same-origin cookies, CSRF header, uniform ApiError.

export class ApiError extends Error {
  constructor({ status, code, message, field = null, retryAfter = null, customerId = null }) {
    super(message || '');
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
    this.customerId = customerId; // a duplicate customer's existing record (api.md, Customers)
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
export const CSRF_COOKIE = 'kefu_csrf';

let csrfFallback = '';
let unauthenticatedHandler = null;

/** Value of cookie `name` in a `document.cookie` string, or ''. */
export function readCookie(cookies, name) {
  for (const part of String(cookies || '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      try { return decodeURIComponent(value); } catch { return value; }
    }
  }
  return '';
}

/** Token from `GET /api/me`, used only if the cookie cannot be read. */
export function setCsrfToken(token) {
  csrfFallback = typeof token === 'string' ? token : '';
}

/** Called (once per failing request) when a signed-in call answers 401 `unauthenticated`. */
export function setUnauthenticatedHandler(handler) {
  unauthenticatedHandler = handler;
}

function csrfToken() {
  const cookies = typeof document === 'undefined' ? '' : document.cookie;
  return readCookie(cookies, CSRF_COOKIE) || csrfFallback;
}

async function readJson(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return null; }
}

function retryAfterSeconds(response) {
  const value = Number(response.headers?.get?.('Retry-After'));
  return Number.isFinite(value) && value >= 0 ? value : null;
}

function errorFrom(response, body) {
  const error = body && typeof body.error === 'object' && body.error ? body.error : {};
  return new ApiError({
    status: response.status,
    code: typeof error.code === 'string' ? error.code : `http_${response.status}`,
    message: typeof error.message === 'string' ? error.message : '',
    field: typeof error.field === 'string' ? error.field : null,
    retryAfter: retryAfterSeconds(response),
    customerId: Number.isInteger(error.customer_id) ? error.customer_id : null,
  });
}

/** Send one request; resolves with the parsed JSON body or throws ApiError. */
export async function request(method, path, body, { signal = undefined } = {}) {
  const verb = method.toUpperCase();
  const headers = { Accept: 'application/json' };
  const init = { method: verb, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (typeof FormData !== 'undefined' && body instanceof FormData) {
    init.body = body; // the browser sets the multipart Content-Type with its boundary
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE_METHODS.has(verb)) {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError({ status: 0, code: 'network', message: '' });
  }
  const data = await readJson(response);
  if (response.ok) return data;
  const error = errorFrom(response, data);
  // A wrong password elsewhere (bad_credentials) is not the end of this session.
  if (error.status === 401 && error.code !== 'bad_credentials' && unauthenticatedHandler) {
    unauthenticatedHandler(error);
  }
  throw error;
}

export const api = {
  get: (path) => request('GET', path),
  /** `options.signal` (an AbortSignal) cancels a request whose answer is no longer wanted. */
  post: (path, body = {}, options = {}) => request('POST', path, body, options),
  patch: (path, body = {}) => request('PATCH', path, body),
  put: (path, body = {}) => request('PUT', path, body),
  delete: (path) => request('DELETE', path),
  /** `multipart/form-data` with one `file` field (attachments). */
  upload: (path, file) => {
    const form = new FormData();
    form.append('file', file, file.name || 'file');
    return request('POST', path, form);
  },
  /** Like `upload`, reporting `onProgress(sent, total)` while the file goes up (big imports). */
  uploadWithProgress: (path, file, onProgress) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    const token = csrfToken();
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded, event.lengthComputable ? event.total : 0);
    xhr.upload.onload = () => onProgress?.(file.size, file.size);
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network', message: '' }));
    xhr.onload = () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data);
        return;
      }
      const error = errorFrom({ status: xhr.status, headers: { get: (name) => xhr.getResponseHeader(name) } }, data);
      if (error.status === 401 && unauthenticatedHandler) unauthenticatedHandler(error);
      reject(error);
    };
    const form = new FormData();
    form.append('file', file, file.name || 'file');
    xhr.send(form);
  }),
};
