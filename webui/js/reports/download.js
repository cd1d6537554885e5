// File downloads from the server with progress: the body's bytes read against Content-Length, then saved.
import { ApiError } from '../api.js';

/** The file name of a `Content-Disposition` header (RFC 6266: `filename*=UTF-8''…` first), or `fallback`. */
export function dispositionName(header, fallback = 'download') {
  const text = String(header ?? '');
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(text);
  if (extended) {
    try { return clean(decodeURIComponent(extended[1].trim())) || fallback; } catch { /* fall through to the plain name */ }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(text);
  const name = plain ? (plain[1] ?? plain[2]).replace(/\\(.)/g, '$1').trim() : '';
  return clean(name) || fallback;
}

/** No folders, no control characters: a name, not a path. */
function clean(name) {
  return String(name).split(/[\\/]/).pop().replace(/[\u0000-\u001f]/g, '').trim();
}

/** Save `blob` as a file called `name` (a Blob URL and a click on a download link). */
export function saveBlob(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.download = name;
  link.href = url;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** How far a download is, 0…1, or null when the server did not say how long it is. */
export function fraction(received, total) {
  return total > 0 ? Math.min(1, received / total) : null;
}

async function errorOf(response) {
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  const error = body && typeof body.error === 'object' && body.error ? body.error : {};
  return new ApiError({ status: response.status, code: typeof error.code === 'string' ? error.code : `http_${response.status}`,
    message: typeof error.message === 'string' ? error.message : '', field: typeof error.field === 'string' ? error.field : null });
}

/**
 * GET `path` and save the answer as a file, calling `onProgress(fraction | null, bytes)` as bytes
 * arrive. Resolves with the file name; a refusal rejects with an ApiError (the JSON error of api.md).
 */
export async function downloadWithProgress(path, onProgress = () => {}, { fallbackName = 'report' } = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError({ status: 0, code: 'network', message: '' });
  }
  if (!response.ok) throw await errorOf(response);
  const total = Number(response.headers.get('Content-Length')) || 0;
  const chunks = [];
  let received = 0;
  onProgress(fraction(0, total), 0);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(fraction(received, total), received);
  }
  const name = dispositionName(response.headers.get('Content-Disposition'), fallbackName);
  saveBlob(name, new Blob(chunks, { type: response.headers.get('Content-Type') || 'application/octet-stream' }));
  onProgress(1, received);
  return name;
}
