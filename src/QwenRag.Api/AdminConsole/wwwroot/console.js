// QwenRag admin console: a single page with hash routes (#/signin, #/sets, #/sets/<name>, #/jobs, #/playground).
import { api, ApiError, storedKey, storeKey, setPath, uploadFile, readEvents, errorFrom, headers } from './api.js';
import { h, tid, field, cell, formatTime } from './dom.js';

const main = document.getElementById('main');
const announcer = document.getElementById('announcer');
const errorBox = document.getElementById('error');
const dialog = document.getElementById('confirm-dialog');

/** Who the console is signed in as: { role: 'admin'|'reader'|'open', sets: null|string[] }, or null. */
let me = null;
/** Timers of the current screen, stopped when the route changes. */
let screenTimers = [];
/** The location.hash the current screen was drawn for. */
let renderedHash = null;
/** Upload items per set, kept across screens so their polling keeps showing. */
const uploadsBySet = new Map();
const jobsFilter = { set: '', status: '' };

const isAdmin = () => me && (me.role === 'admin' || me.role === 'open');

// ---------- status ----------

let announcedAt = 0;

export function announce(text) {
  announcedAt = Date.now();
  announcer.textContent = '';
  // A fresh text node so screen readers announce a repeated message too.
  window.setTimeout(() => { announcer.textContent = text; }, 30);
}

function showError(error) {
  if (error && error.name === 'AbortError') return;
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  errorBox.textContent = message;
  errorBox.hidden = false;
  if (error instanceof ApiError && error.status === 401 && storedKey()) {
    storeKey(null);
    me = null;
    location.hash = '#/signin';
  }
}

function clearError() {
  errorBox.textContent = '';
  errorBox.hidden = true;
}

// ---------- confirm dialog ----------

let dialogOpener = null;
function confirmAction(message, yesText = 'Delete') {
  return new Promise((resolve) => {
    dialogOpener = document.activeElement;
    document.getElementById('confirm-message').textContent = message;
    dialog.querySelector('[data-testid="confirm-yes"]').textContent = yesText;
    dialog.returnValue = '';
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      if (dialogOpener && dialogOpener.isConnected) dialogOpener.focus();
      resolve(dialog.returnValue === 'yes');
    };
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    dialog.querySelector('[data-testid="confirm-no"]').focus();
  });
}

// ---------- identity ----------

/** GET /v1/me with a key (or none); falls back to GET /v1/sets where /v1/me is not there yet. */
async function whoAmI(key) {
  try {
    return await api('GET', '/v1/me', undefined, { key: key ?? '' });
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) throw error;
    // A server without /v1/me: no key is open mode when the sets answer without one; a key that lists the sets is
    // told apart by a harmless admin-only call (the API still refuses what a key may not do).
    await api('GET', '/v1/sets', undefined, { key: key ?? '' });
    if (!key) return { role: 'open', sets: null };
    // Retrying a job that does not exist changes nothing: an admin key gets 404, a reader key 403.
    try {
      await api('POST', '/v1/jobs/console-role-probe/retry', undefined, { key });
    } catch (probe) {
      if (probe instanceof ApiError && probe.status === 403) return { role: 'reader', sets: null };
    }
    return { role: 'admin', sets: null };
  }
}

function showIdentity() {
  const signedIn = me !== null;
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').hidden = !signedIn;
  document.getElementById('role').textContent = signedIn ? me.role : '';
  document.getElementById('signout').hidden = !signedIn;
}

document.getElementById('signout').addEventListener('click', () => {
  storeKey(null);
  me = null;
  uploadsBySet.clear();
  showIdentity();
  announce('Signed out.');
  if (location.hash === '#/signin') render();
  else location.hash = '#/signin';
});

// ---------- router ----------

function route() {
  const hash = location.hash || '#/sets';
  const path = hash.replace(/^#/, '');
  const set = /^\/sets\/(.+)$/.exec(path);
  if (set) return { name: 'set', set: safeDecode(set[1]) };
  if (path === '/signin') return { name: 'signin' };
  if (path === '/jobs') return { name: 'jobs' };
  if (path === '/playground') return { name: 'playground' };
  return { name: 'sets' };
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function render() {
  for (const timer of screenTimers) window.clearTimeout(timer);
  screenTimers = [];
  clearError();
  const current = route();
  if (!me && current.name !== 'signin') {
    location.hash = '#/signin';
    return;
  }
  renderedHash = location.hash;
  for (const link of document.querySelectorAll('#nav a')) {
    const active = link.getAttribute('href') === `#/${current.name === 'set' ? 'sets' : current.name}`;
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  const screens = { signin: signinScreen, sets: setsScreen, set: setScreen, jobs: jobsScreen, playground: playgroundScreen };
  document.title = `${{ signin: 'Sign in', sets: 'Sets', set: current.set, jobs: 'Jobs', playground: 'Playground' }[current.name]} · QwenRag console`;
  screens[current.name](current);
}

window.addEventListener('hashchange', () => {
  // Two hash changes in one turn (sign-in goes to #/sets, then a link or script goes on) fire two events after the
  // second change; the screen is drawn once, so what the user has focused or typed there is not thrown away.
  if (location.hash === renderedHash) return;
  // A message belongs to the screen it was said on; one said just now (e.g. "Signed in") leads into the next.
  if (Date.now() - announcedAt > 1500) announcer.textContent = '';
  render();
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
});

// ---------- sign-in ----------

function signinScreen() {
  const input = h('input', { type: 'password', dataset: tid('signin-key'), autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { dataset: tid('signin-error'), role: 'alert', class: 'error-text' });
  const submit = h('button', { type: 'submit', dataset: tid('signin-submit') }, 'Sign in');
  const form = h('form', { class: 'signin', novalidate: true },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Enter an API key. An admin key can upload and delete; a reader key can browse and query.'),
    field('API key', input),
    error,
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const key = input.value.trim();
    if (!key) {
      error.textContent = 'Enter an API key.';
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      me = await whoAmI(key);
      storeKey(key);
      showIdentity();
      announce(`Signed in as ${me.role}.`);
      location.hash = '#/sets';
    } catch (failure) {
      error.textContent = failure instanceof ApiError && (failure.status === 401 || failure.status === 403)
        ? 'That key was not accepted.'
        : `Could not sign in: ${failure.message}`;
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  const withoutKey = h('button', { type: 'button', class: 'secondary' }, 'Continue without a key');
  withoutKey.addEventListener('click', async () => {
    error.textContent = '';
    try {
      me = await whoAmI(null);
      storeKey(null);
      showIdentity();
      location.hash = '#/sets';
    } catch (failure) {
      error.textContent = failure instanceof ApiError && failure.status === 401
        ? 'This server needs an API key.'
        : `Could not connect: ${failure.message}`;
    }
  });
  form.append(h('p', { class: 'muted' }, 'A server without keys (loopback only) needs none: ', withoutKey));
  main.append(form);
  input.focus();
}

// ---------- sets ----------

async function loadSets() {
  const body = await api('GET', '/v1/sets');
  return (body && body.sets) || [];
}

function setsScreen() {
  const nameInput = h('input', { type: 'text', dataset: tid('new-set-name'), autocomplete: 'off' });
  const openButton = h('button', { type: 'submit', dataset: tid('new-set-open') }, 'Open');
  const newSet = h('form', { class: 'row' },
    field('New set', nameInput, 'Letters, digits, ".", "_" or "-"; a set exists once a document is uploaded into it.'),
    openButton);
  newSet.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      showError(new Error('A set name has 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.'));
      nameInput.focus();
      return;
    }
    location.hash = `#/sets/${encodeURIComponent(name)}`;
  });

  const tbody = h('tbody');
  const table = h('table', { dataset: tid('sets-table') },
    h('caption', { class: 'muted' }, 'Document sets'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Set'),
      h('th', { scope: 'col', class: 'num' }, 'Documents'),
      h('th', { scope: 'col', class: 'num' }, 'Pages'),
      h('th', { scope: 'col', class: 'num' }, 'Chunks'),
      isAdmin() ? h('th', { scope: 'col' }, 'Actions') : null)),
    tbody);
  const empty = h('p', { class: 'empty', hidden: true }, 'No sets yet. Open a new set and upload a document into it.');
  main.append(h('h1', {}, 'Sets'), newSet, table, empty);

  const refresh = async () => {
    try {
      const sets = await loadSets();
      tbody.replaceChildren(...sets.map((set) => setRow(set, refresh)));
      empty.hidden = sets.length > 0;
    } catch (error) {
      showError(error);
    }
  };
  refresh();
}

function setRow(set, refresh) {
  const remove = isAdmin()
    ? h('button', {
      type: 'button', class: 'danger small', dataset: tid('set-delete'), 'aria-label': `Delete set ${set.name}`,
      onclick: async () => {
        if (!await confirmAction(`Delete the set "${set.name}" with all its ${set.documents} documents? This cannot be undone.`)) return;
        clearError();
        try {
          await api('DELETE', setPath(set.name));
          announce(`Deleted set ${set.name}.`);
          await refresh();
        } catch (error) {
          showError(error);
        }
      },
    }, 'Delete')
    : null;
  return h('tr', { dataset: { testid: 'set-row', set: set.name } },
    h('th', { scope: 'row', 'data-label': 'Set' }, h('a', { href: `#/sets/${encodeURIComponent(set.name)}` }, set.name)),
    cell('Documents', 'documents', set.documents),
    cell('Pages', 'pages', set.pages),
    cell('Chunks', 'chunks', set.chunks),
    remove ? h('td', { 'data-label': 'Actions' }, h('div', { class: 'actions' }, remove)) : null);
}

// ---------- one set ----------

function setScreen({ set }) {
  main.append(
    h('p', {}, h('a', { href: '#/sets' }, '← All sets')),
    h('h1', {}, set));

  const uploads = uploadsBySet.get(set) ?? h('ul', { class: 'uploads', dataset: tid('uploads'), 'aria-label': 'Uploads' });
  uploadsBySet.set(set, uploads);

  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, 'No documents in this set yet.');
  const refresh = async () => {
    try {
      const body = await api('GET', `${setPath(set)}/documents`);
      const documents = (body && body.documents) || [];
      tbody.replaceChildren(...documents.map((doc) => documentRow(set, doc, refresh)));
      empty.hidden = documents.length > 0;
      return documents;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        tbody.replaceChildren();
        empty.hidden = false;
        return [];
      }
      showError(error);
      return [];
    }
  };

  if (isAdmin()) {
    const input = h('input', { type: 'file', multiple: true, dataset: tid('file-input') });
    const tags = h('input', { type: 'text', dataset: tid('upload-tags'), autocomplete: 'off' });
    const start = (files) => {
      clearError();
      for (const file of files) startUpload(set, file, tags.value.trim(), uploads, refresh);
    };
    input.addEventListener('change', () => {
      start([...input.files]);
      input.value = '';
    });
    const zone = h('div', {
      class: 'drop-zone', dataset: tid('drop-zone'), role: 'button', tabindex: '0',
      'aria-label': 'Drop files here, or press Enter to choose files',
    }, 'Drop files here, or press Enter (or click) to choose files');
    zone.addEventListener('click', () => input.click());
    zone.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        input.click();
      }
    });
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      if (event.dataTransfer && event.dataTransfer.files.length > 0) start([...event.dataTransfer.files]);
    });
    main.append(
      h('section', { 'aria-labelledby': 'upload-heading' },
        h('h2', { id: 'upload-heading' }, 'Upload'),
        zone,
        h('div', { class: 'row start' },
          field('Add files', input, 'PDF, Word, HTML, Markdown or text; each file becomes an ingestion job.'),
          field('Tags', tags, 'Optional, comma-separated.')),
        uploads));
  } else {
    main.append(h('p', { class: 'muted' }, 'Uploading, reindexing and deleting need an admin key.'));
    if (uploads.childElementCount > 0) main.append(uploads);
  }

  main.append(
    h('section', { 'aria-labelledby': 'documents-heading' },
      h('h2', { id: 'documents-heading' }, 'Documents'),
      h('table', { dataset: tid('documents-table') },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Document'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'num' }, 'Pages'),
          h('th', { scope: 'col', class: 'num' }, 'Chunks'),
          h('th', { scope: 'col' }, 'Tags'),
          h('th', { scope: 'col' }, 'Ingested'),
          isAdmin() ? h('th', { scope: 'col' }, 'Actions') : null)),
        tbody),
      empty));
  refresh();
}

function documentRow(set, doc, refresh) {
  const actions = isAdmin()
    ? h('td', { 'data-label': 'Actions' }, h('div', { class: 'actions' },
      h('button', {
        type: 'button', class: 'secondary small', dataset: tid('document-reindex'), 'aria-label': `Reindex ${doc.name}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          clearError();
          announce(`Reindexing ${doc.name}…`);
          try {
            const job = await api('POST', `${setPath(set)}/documents/${encodeURIComponent(doc.id)}/reindex`);
            await refresh();
            if (isPendingJob(job)) {
              const final = await waitForJob(job.id, () => {});
              announce(final.status === 'succeeded' ? `Reindexed ${doc.name}.` : `Reindexing ${doc.name} failed: ${failureReason(final.error)}`);
              await refresh();
            } else {
              announce(`Reindexed ${doc.name}.`);
            }
          } catch (error) {
            showError(error);
          } finally {
            if (button.isConnected) button.disabled = false;
          }
        },
      }, 'Reindex'),
      h('button', {
        type: 'button', class: 'danger small', dataset: tid('document-delete'), 'aria-label': `Delete ${doc.name}`,
        onclick: async () => {
          if (!await confirmAction(`Delete "${doc.name}" from the set "${set}"? This cannot be undone.`)) return;
          clearError();
          try {
            await api('DELETE', `${setPath(set)}/documents/${encodeURIComponent(doc.id)}`);
            announce(`Deleted ${doc.name}.`);
            await refresh();
          } catch (error) {
            showError(error);
          }
        },
      }, 'Delete')))
    : null;
  return h('tr', { dataset: { testid: 'document-row', document: doc.name, documentId: doc.id } },
    h('th', { scope: 'row', 'data-label': 'Document' }, doc.name),
    cell('Status', 'status', h('span', { class: 'badge', dataset: { status: doc.status } }, doc.status)),
    cell('Pages', 'pages', doc.pages),
    cell('Chunks', 'chunks', doc.chunks),
    cell('Tags', 'tags', (doc.tags || []).join(', ')),
    cell('Ingested', 'time', formatTime(doc.ingestedAt)),
    actions);
}

/** A job answer (202) still to wait for, as opposed to the document a synchronous reindex answers with. */
const isPendingJob = (body) => Boolean(body && body.id && 'progress' in body
  && body.status !== 'succeeded' && body.status !== 'failed');

// ---------- uploads ----------

/** A job's error text in words a person can act on. */
export function failureReason(error) {
  const text = String(error || 'unknown error');
  const lower = text.toLowerCase();
  if (lower.includes('encrypt')) return 'the PDF is encrypted';
  if (lower.includes('no text') || lower.includes('text layer') || lower.includes('ocr')) return 'no text layer (scanned images need OCR)';
  if (lower.includes('too large') || lower.includes('too big') || lower.includes('exceeds')) return 'too large';
  if (lower.includes('unsupported')) return 'unsupported file type';
  if (lower.includes('timed out') || lower.includes('timeout') || lower.includes('took too long')) return 'took too long to extract';
  return text;
}

function startUpload(set, file, tags, list, refresh) {
  const started = performance.now();
  const status = h('span', { dataset: tid('upload-status') }, 'Uploading 0%');
  const progress = h('progress', { max: '100', value: '0', 'aria-hidden': 'true' });
  const item = h('li', { class: 'upload-item', dataset: { testid: 'upload-item', file: file.name, state: 'uploading' } },
    h('span', { class: 'file-name' }, file.name), status, progress);
  list.prepend(item);
  const show = (state, text, fraction) => {
    item.dataset.state = state;
    status.textContent = text;
    if (fraction === null) progress.hidden = true;
    else progress.value = Math.round(fraction * 100);
  };
  const fail = (reason) => {
    show('failed', `Failed: ${reason}`, null);
    announce(`${file.name}: failed: ${reason}`);
  };

  uploadFile(set, file, tags, (fraction) => show('uploading', `Uploading ${Math.floor(fraction * 100)}%`, fraction))
    .then(async (body) => {
      const job = body && body.jobs && body.jobs[0];
      if (!job) {
        fail('the server did not queue a job');
        return;
      }
      show('queued', 'Queued', 0);
      const final = await waitForJob(job.id, (current) => {
        if (current.status === 'running') {
          show('running', `Ingesting ${Math.floor((current.progress || 0) * 100)}%`, current.progress || 0);
        } else if (current.status === 'queued') {
          show('queued', 'Queued', 0);
        }
      });
      if (final.status === 'failed') {
        fail(failureReason(final.error));
        return;
      }
      const documents = item.isConnected ? await refresh() : await listDocuments(set);
      const doc = documents.find((d) => d.id === final.documentId) ?? documents.find((d) => d.name === file.name);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const text = doc ? `Done: ${count(doc.pages, 'page')}, ${count(doc.chunks, 'chunk')} in ${seconds} s` : `Done in ${seconds} s`;
      show('done', text, null);
      announce(`${file.name}: ${text}`);
    })
    .catch((error) => {
      if (error instanceof ApiError) {
        const mapped = failureReason(error.message);
        const reason = mapped !== error.message || error.status === 0 ? mapped
          : error.status === 413 ? 'too large'
            : error.status === 415 ? 'unsupported file type'
              : mapped;
        fail(reason);
        if (error.status === 401 || error.status === 403) showError(error);
      } else {
        fail(String(error && error.message ? error.message : error));
      }
    });
}

async function listDocuments(set) {
  try {
    const body = await api('GET', `${setPath(set)}/documents`);
    return (body && body.documents) || [];
  } catch {
    return [];
  }
}

const sleep = (ms) => new Promise((resolve) => { window.setTimeout(resolve, ms); });

/** Polls GET /v1/jobs/{id} at most once a second until the job succeeded or failed. */
async function waitForJob(id, onUpdate) {
  for (;;) {
    await sleep(1000);
    let job;
    try {
      job = await api('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status !== 0 && error.status < 500 && error.status !== 429) throw error;
      continue;
    }
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    onUpdate(job);
  }
}

// ---------- jobs ----------

function jobsScreen() {
  const setSelect = h('select', { dataset: tid('jobs-set') }, h('option', { value: '' }, 'All'));
  const statusSelect = h('select', { dataset: tid('jobs-status') },
    h('option', { value: '' }, 'All'),
    ...['queued', 'running', 'failed', 'succeeded'].map((s) => h('option', { value: s }, s)));
  statusSelect.value = jobsFilter.status;
  const refreshButton = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, 'No jobs match.');
  main.append(
    h('h1', {}, 'Jobs'),
    h('div', { class: 'row', role: 'group', 'aria-label': 'Filter jobs' }, field('Set', setSelect), field('Status', statusSelect), refreshButton),
    h('table', { dataset: tid('jobs-table') },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Document'),
        h('th', { scope: 'col' }, 'Set'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', class: 'num' }, 'Progress'),
        h('th', { scope: 'col', class: 'num' }, 'Attempts'),
        h('th', { scope: 'col' }, 'Updated'),
        h('th', { scope: 'col' }, 'Error'),
        isAdmin() ? h('th', { scope: 'col' }, 'Actions') : null)),
      tbody),
    empty);

  let generation = 0;
  const refresh = async () => {
    const mine = ++generation;
    for (const timer of screenTimers) window.clearTimeout(timer);
    screenTimers = [];
    const query = new URLSearchParams();
    if (jobsFilter.set) query.set('set', jobsFilter.set);
    if (jobsFilter.status) query.set('status', jobsFilter.status);
    try {
      const body = await api('GET', `/v1/jobs${query.toString() ? `?${query}` : ''}`);
      if (mine !== generation || !tbody.isConnected) return;
      const jobs = (body && body.jobs) || [];
      tbody.replaceChildren(...jobs.map((job) => jobRow(job, refresh)));
      empty.hidden = jobs.length > 0;
      if (jobs.some((job) => job.status === 'queued' || job.status === 'running')) {
        screenTimers.push(window.setTimeout(() => { if (tbody.isConnected) refresh(); }, 2000));
      }
    } catch (error) {
      showError(error);
    }
  };
  setSelect.addEventListener('change', () => { jobsFilter.set = setSelect.value; refresh(); });
  statusSelect.addEventListener('change', () => { jobsFilter.status = statusSelect.value; refresh(); });
  refreshButton.addEventListener('click', () => { clearError(); refresh(); });

  // Sets whose every job failed have no documents, so the set list alone would leave them out of the filter.
  Promise.all([loadSets(), api('GET', '/v1/jobs')]).then(([sets, body]) => {
    const names = [...new Set([...sets.map((s) => s.name), ...((body && body.jobs) || []).map((job) => job.set)])]
      .filter(Boolean)
      .sort();
    if (jobsFilter.set && !names.includes(jobsFilter.set)) names.push(jobsFilter.set);
    setSelect.append(...names.map((name) => h('option', { value: name }, name)));
    setSelect.value = jobsFilter.set;
  }).catch(showError);
  refresh();
}

// A long passage shows its first lines until the reader asks for all of it.
function clampedPassage(text) {
  const passage = h('p', { class: 'passage' }, text);
  const long = text.length > 360 || text.split('\n').length > 6;
  if (!long) return passage;
  passage.id = uniquePassageId();
  passage.classList.add('clamped');
  const toggle = h('button', {
    type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': passage.id,
    onclick: () => {
      const expanded = passage.classList.toggle('clamped') === false;
      toggle.setAttribute('aria-expanded', String(expanded));
      toggle.textContent = expanded ? 'Show less' : 'Show the whole passage';
    },
  }, 'Show the whole passage');
  return h('div', {}, passage, toggle);
}

let passageCount = 0;
function uniquePassageId() {
  passageCount += 1;
  return `passage-${passageCount}`;
}

function jobRow(job, refresh) {
  const retry = isAdmin() && job.status === 'failed'
    ? h('button', {
      type: 'button', class: 'secondary small', dataset: tid('job-retry'), 'aria-label': `Retry ${job.document}`,
      onclick: async () => {
        clearError();
        try {
          await api('POST', `/v1/jobs/${encodeURIComponent(job.id)}/retry`);
          announce(`Queued ${job.document} again.`);
          await refresh();
        } catch (error) {
          showError(error);
        }
      },
    }, 'Retry')
    : null;
  return h('tr', { dataset: { testid: 'job-row', status: job.status, document: job.document, job: job.id } },
    h('th', { scope: 'row', 'data-label': 'Document' }, job.document),
    cell('Set', 'set', h('a', { href: `#/sets/${encodeURIComponent(job.set)}` }, job.set)),
    cell('Status', 'status', h('span', { class: 'badge', dataset: { status: job.status } }, job.status)),
    cell('Progress', 'progress', `${Math.floor((job.progress || 0) * 100)}%`),
    cell('Attempts', 'attempts', job.attempts ?? ''),
    cell('Updated', 'time', formatTime(job.updatedAt)),
    cell('Error', 'error', job.error ? failureReason(job.error) : ''),
    isAdmin() ? h('td', { 'data-label': 'Actions' }, retry) : null);
}

// ---------- playground ----------

let askController = null;

function playgroundScreen() {
  const setSelect = h('select', { dataset: tid('pg-set') });
  const query = h('textarea', { dataset: tid('pg-query'), rows: '3' });
  const searchButton = h('button', { type: 'submit', dataset: tid('pg-search'), value: 'search' }, 'Search');
  const askButton = h('button', { type: 'button', dataset: tid('pg-ask') }, 'Ask');
  const results = h('ol', { class: 'results', dataset: tid('pg-results'), 'aria-label': 'Search results' });
  const answer = h('div', { class: 'answer', dataset: { testid: 'pg-answer', state: 'done' }, 'aria-live': 'polite', 'aria-label': 'Answer' });
  const generator = h('span', { dataset: tid('pg-generator') });
  const citations = h('ul', { class: 'citations', 'aria-label': 'Citations', dataset: tid('pg-citations') });
  const passage = h('blockquote', { class: 'passage-box', dataset: tid('pg-passage'), tabindex: '-1', hidden: true });
  const resultsSection = h('section', { 'aria-labelledby': 'results-heading', hidden: true },
    h('h2', { id: 'results-heading' }, 'Search results'), results);
  const answerSection = h('section', { 'aria-labelledby': 'answer-heading', hidden: true },
    h('h2', { id: 'answer-heading' }, 'Answer'),
    answer,
    h('p', { class: 'muted' }, 'Generator: ', generator),
    h('h3', {}, 'Citations'),
    citations,
    passage);

  const form = h('form', { 'aria-label': 'Query' },
    field('Set', setSelect),
    field('Question or query', query),
    h('div', { class: 'row' }, searchButton, askButton));
  main.append(h('h1', {}, 'Playground'), form, resultsSection, answerSection);

  loadSets().then((sets) => {
    if (sets.length === 0) {
      setSelect.append(h('option', { value: '' }, 'No sets yet'));
      return;
    }
    setSelect.append(...sets.map((s) => h('option', { value: s.name }, s.name)));
  }).catch(showError);

  const where = (item) => {
    const end = item.pageEnd && item.pageEnd !== item.page ? `–${item.pageEnd}` : '';
    return `${item.document} p. ${item.page}${end}`;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    const set = setSelect.value;
    if (!set || !query.value.trim()) {
      showError(new Error('Choose a set and type a query.'));
      return;
    }
    searchButton.disabled = true;
    try {
      const body = await api('POST', `${setPath(set)}/search`, { query: query.value.trim() });
      const hits = (body && body.results) || [];
      results.replaceChildren(...hits.map((hit) => h('li', { dataset: { testid: 'pg-result', document: hit.document, page: hit.page } },
        h('div', { class: 'where' }, where(hit), ' ', h('span', { class: 'muted' }, `(score ${Number(hit.score).toFixed(3)})`)),
        clampedPassage(hit.text))));
      if (hits.length === 0) results.append(h('li', { class: 'empty' }, 'No passages matched.'));
      resultsSection.hidden = false;
      announce(`${hits.length} result${hits.length === 1 ? '' : 's'}.`);
    } catch (error) {
      showError(error);
    } finally {
      searchButton.disabled = false;
    }
  });

  const showCitations = (list) => {
    citations.replaceChildren(...(list || []).map((citation) => h('li', {},
      h('button', {
        type: 'button', class: 'secondary small', dataset: tid('pg-citation'), 'aria-pressed': 'false',
        onclick: (event) => {
          for (const other of citations.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
          event.currentTarget.setAttribute('aria-pressed', 'true');
          passage.replaceChildren(
            h('p', { class: 'where' }, where(citation)),
            h('p', { class: 'passage' }, citation.text || 'The server sent no passage text for this citation.'));
          passage.hidden = false;
          passage.focus();
        },
      }, `${citation.document} p. ${citation.page}`))));
  };

  askButton.addEventListener('click', async () => {
    clearError();
    const set = setSelect.value;
    if (!set || !query.value.trim()) {
      showError(new Error('Choose a set and type a question.'));
      return;
    }
    if (askController) askController.abort();
    const controller = new AbortController();
    askController = controller;
    answer.replaceChildren();
    answer.dataset.state = 'streaming';
    generator.textContent = '';
    citations.replaceChildren();
    passage.hidden = true;
    passage.replaceChildren();
    answerSection.hidden = false;
    askButton.disabled = true;
    try {
      const response = await fetch(`${setPath(set)}/ask`, {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
        body: JSON.stringify({ question: query.value.trim() }),
        signal: controller.signal,
      });
      if (!response.ok) throw await errorFrom(response);
      if ((response.headers.get('Content-Type') || '').includes('text/event-stream')) {
        await readEvents(response, (name, data) => {
          if (controller !== askController) return;
          if (name === 'delta' && data && typeof data.text === 'string') answer.append(data.text);
          else if (name === 'citations') showCitations(data && data.citations);
          else if (name === 'done' && data && data.generator) generator.textContent = data.generator;
          else if (name === 'error') showError(new Error((data && (data.detail || data.message)) || 'The answer stopped early.'));
        });
      } else {
        const body = await response.json();
        answer.append(body.answer || '');
        showCitations(body.citations);
        generator.textContent = body.generator || '';
      }
      announce('Answer complete.');
    } catch (error) {
      if (!(error && error.name === 'AbortError')) showError(error);
    } finally {
      if (controller === askController) {
        answer.dataset.state = 'done';
        askButton.disabled = false;
        askController = null;
      }
    }
  });
}

// ---------- start ----------

async function start() {
  try {
    me = await whoAmI(storedKey());
  } catch (error) {
    me = null;
    if (error instanceof ApiError && error.status === 401) {
      if (storedKey()) storeKey(null);
    } else {
      showIdentity();
      render();
      showError(error);
      return;
    }
  }
  showIdentity();
  if (!me) {
    if (location.hash !== '#/signin') location.hash = '#/signin';
    else render();
    return;
  }
  if (!location.hash || location.hash === '#/signin' || location.hash === '#/') {
    location.hash = '#/sets';
    return;
  }
  render();
}

start();

function count(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
