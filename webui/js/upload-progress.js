// A multipart upload that reports its progress (fetch cannot), answered like api.js: JSON or an ApiError.
import { ApiError, CSRF_COOKIE, readCookie } from './api.js';

/**
 * POST `file` as the `file` field of a multipart body to `path`; `onProgress(fraction)` is called as
 * the bytes leave (0…1), then once more with 1 when the server has answered. Resolves with the JSON.
 */
export function uploadWithProgress(path, file, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    const token = readCookie(document.cookie, CSRF_COOKIE);
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(Math.min(0.99, event.loaded / event.total));
    });
    xhr.addEventListener('load', () => {
      onProgress(1);
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const error = body && typeof body.error === 'object' && body.error ? body.error : {};
      reject(new ApiError({ status: xhr.status, code: typeof error.code === 'string' ? error.code : `http_${xhr.status}`,
        message: typeof error.message === 'string' ? error.message : '', field: error.field ?? null }));
    });
    xhr.addEventListener('error', () => reject(new ApiError({ status: 0, code: 'network', message: '' })));
    const form = new FormData();
    form.append('file', file, file.name || 'file');
    xhr.send(form);
  });
}
