// Calls to the QwenRag REST API. The key lives in sessionStorage and goes in X-Api-Key.

const KEY = 'qwenrag.key';

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key) {
  if (key) {
    sessionStorage.setItem(KEY, key);
  } else {
    sessionStorage.removeItem(KEY);
  }
}

/** An API error: the HTTP status and the problem document's detail (or title) in words. */
export class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export function headers(extra = {}, key = storedKey()) {
  const result = { ...extra };
  if (key) {
    result['X-Api-Key'] = key;
  }
  return result;
}

/** Reads a problem document (or any text) into an ApiError. */
export async function errorFrom(response) {
  let problem = null;
  let text = '';
  try {
    text = await response.text();
    problem = text ? JSON.parse(text) : null;
  } catch {
    problem = null;
  }
  return new ApiError(response.status, problemMessage(response.status, problem, text), problem);
}

export function problemMessage(status, problem, text) {
  if (problem && typeof problem === 'object') {
    if (problem.detail) return String(problem.detail);
    if (problem.title) return String(problem.title);
  }
  if (text && text.length < 300 && !text.trimStart().startsWith('<')) return text;
  return `The server answered ${status}.`;
}

/** fetch + JSON: resolves with the body (null for 204), rejects with ApiError. */
export async function api(method, path, body, options = {}) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }, options.key ?? storedKey()) };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (options.signal) init.signal = options.signal;
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'The server could not be reached.', null);
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const setPath = (set) => `/v1/sets/${encodeURIComponent(set)}`;

/**
 * Uploads one file with XMLHttpRequest so the bytes sent can be reported; resolves with the upload response,
 * rejects with ApiError.
 */
export function uploadFile(set, file, tags, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    if (tags) form.append('tags', tags);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${setPath(set)}/documents`);
    const key = storedKey();
    if (key) xhr.setRequestHeader('X-Api-Key', key);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
      } else {
        reject(new ApiError(xhr.status, problemMessage(xhr.status, body, xhr.responseText), body));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'The upload could not reach the server.', null));
    xhr.onabort = () => reject(new ApiError(0, 'The upload was cancelled.', null));
    xhr.send(form);
  });
}

/**
 * Parses a text/event-stream body: calls onEvent(name, data) per event (data parsed as JSON when it is JSON).
 */
export async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const dispatch = (block) => {
    let name = 'message';
    const data = [];
    for (const line of block.split(/\r\n|\r|\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const raw = data.join('\n');
    let parsed = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = raw;
    }
    onEvent(name, parsed);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let match;
    while ((match = /\r\n\r\n|\n\n|\r\r/.exec(buffer)) !== null) {
      dispatch(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) dispatch(buffer);
}
