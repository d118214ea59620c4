// strata preview page: plain DOM, no framework, no network beyond this server. Every value from the API is
// inserted as text (never as HTML): values files are user content.

const $ = (id) => document.getElementById(id);
const state = {
  apps: [],
  app: undefined,
  env: undefined,
  tab: 'manifests',
  against: undefined,
  rows: new Map(),
  seq: 0,
};

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'tabindex') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new Error(body && body.error ? body.error.message : `${res.status} ${res.statusText}`);
    err.findings = body && body.error && body.error.findings;
    throw err;
  }
  return body;
}

const q = (params) => new URLSearchParams(params).toString();
const base = () => `/api/apps/${encodeURIComponent(state.app.id)}`;

// ---- selection, kept in the URL hash so a view can be shared or reloaded ----------------------------------

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  return { app: h.get('app'), env: h.get('env'), tab: h.get('tab'), against: h.get('against') };
}

function writeHash() {
  const h = { app: state.app ? state.app.id : '', env: state.env || '', tab: state.tab };
  if (state.against) h.against = state.against;
  history.replaceState(null, '', '#' + q(h));
}

function fillSelect(select, items, selected) {
  select.replaceChildren(
    ...items.map((i) => el('option', { value: i.value, text: i.label, selected: i.value === selected })),
  );
}

function chooseApp(id, env) {
  state.app = state.apps.find((a) => a.id === id) || state.apps.find((a) => !a.error) || state.apps[0];
  if (!state.app) return;
  $('app-select').value = state.app.id;
  const envs = state.app.environments;
  state.env = envs.includes(env) ? env : state.app.defaultEnvironment || envs[0];
  fillSelect(
    $('env-select'),
    envs.map((e) => ({ value: e, label: e })),
    state.env,
  );
  const others = envs.filter((e) => e !== state.env);
  if (!others.includes(state.against)) state.against = others[0];
  fillSelect(
    $('against-select'),
    others.map((e) => ({ value: e, label: `${e} → ${state.env}` })),
    state.against,
  );
}

// ---- loading ---------------------------------------------------------------------------------------------

async function refresh() {
  writeHash();
  const seq = ++state.seq; // a slower earlier answer must not overwrite a newer selection
  const current = () => seq === state.seq;
  showError(state.app && state.app.error ? state.app.error : '');
  if (!state.app || state.app.error) return;
  setStatus('Loading…');
  const tasks = [loadManifests(current), loadValues(current), loadFindings(current), loadDiff(current)];
  const results = await Promise.allSettled(tasks);
  if (!current()) return;
  const failed = results.find((r) => r.status === 'rejected');
  showError(failed ? failed.reason.message : '', failed && failed.reason.findings);
  setStatus(`${state.app.id} · ${state.env}`);
  document.body.dataset.loaded = `${state.app.id}/${state.env}`;
}

function setStatus(text) {
  $('status').textContent = text;
}

function showError(message, findings) {
  const box = $('error');
  box.hidden = !message;
  box.replaceChildren();
  if (!message) return;
  box.append(el('strong', { text: 'Error: ' }), el('span', { class: 'mono', text: message }));
  if (findings && findings.length) box.append(findingList(findings));
}

// ---- manifests: one folded block per object --------------------------------------------------------------

async function loadManifests(current) {
  const query = q({ env: state.env });
  let list, yaml;
  try {
    [list, yaml] = await Promise.all([
      api(`${base()}/render?${query}&format=json`),
      api(`${base()}/render?${query}&format=yaml`),
    ]);
  } catch (e) {
    if (current()) {
      $('manifests').replaceChildren();
      $('manifests-summary').textContent = '';
    }
    throw e;
  }
  if (!current()) return;
  const docs = yaml.split(/^---\n/m).filter((d) => d.trim() !== '');
  const items = list.items.map((o, i) => {
    const md = o.metadata || {};
    const title = el('span', { class: 'kind', text: o.kind });
    const name = el('span', { class: 'name', text: md.namespace ? `${md.namespace}/${md.name}` : md.name });
    return el(
      'details',
      { class: 'object', 'data-testid': 'object', 'data-kind': o.kind, 'data-name': md.name || '' },
      el('summary', {}, title, ' ', name, el('span', { class: 'muted api', text: o.apiVersion })),
      el('pre', { class: 'yaml', text: docs[i] || '' }),
    );
  });
  $('manifests').replaceChildren(...items);
  $('manifests-summary').textContent = `${items.length} object${items.length === 1 ? '' : 's'}`;
}

// ---- values: the merged tree, every leaf knows who set it ------------------------------------------------

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const childPath = (parent, seg) =>
  typeof seg === 'number'
    ? `${parent}[${seg}]`
    : PLAIN_KEY.test(seg)
      ? `${parent}.${seg}`
      : `${parent}[${JSON.stringify(seg)}]`;
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v) =>
  Array.isArray(v)
    ? v.length
      ? JSON.stringify(v)
      : '[]'
    : isMap(v)
      ? Object.keys(v).length
        ? JSON.stringify(v)
        : '{}'
      : JSON.stringify(v);

async function loadValues(current) {
  const body = await api(`${base()}/values?${q({ env: state.env, explain: '1' })}`);
  if (!current()) return;
  state.rows = new Map(body.explain.map((r) => [r.path, r]));
  const tree = el('ul', { class: 'tree-root', role: 'tree', 'aria-label': 'Merged values' }, ...nodes(body.values, ''));
  const deleted = body.explain.filter((r) => r.deleted);
  const extra = deleted.length
    ? el(
        'div',
        { class: 'deleted' },
        el('h3', { text: 'Deleted keys' }),
        el('ul', {}, ...deleted.map((r) => el('li', {}, leafButton(r.path, r.path, '(deleted)')))),
      )
    : null;
  $('values-tree').replaceChildren(tree, ...(extra ? [extra] : []));
  $('provenance-detail').replaceChildren(el('p', { class: 'muted', text: 'Click a value to pin its history here.' }));
}

function nodes(v, path) {
  const entries = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : Object.keys(v)
        .sort()
        .map((k) => [k, v[k]]);
  return entries.map(([k, x]) => {
    const p = childPath(path, k);
    const label = typeof k === 'number' ? `[${k}]` : k;
    const container = (isMap(x) && Object.keys(x).length) || (Array.isArray(x) && x.length);
    if (!container)
      return el(
        'li',
        { role: 'none' },
        el('span', { class: 'key', text: label + ':' }),
        ' ',
        leafButton(p, show(x), show(x)),
      );
    return el(
      'li',
      { role: 'none' },
      el(
        'details',
        { open: true },
        el('summary', { role: 'treeitem', class: 'key', text: label + (Array.isArray(x) ? ` [${x.length}]` : '') }),
        el('ul', { role: 'group' }, ...nodes(x, p)),
      ),
    );
  });
}

function leafButton(path, _label, text) {
  const row = state.rows.get(path);
  const changed = row && row.chain.length > 1;
  return el('button', {
    type: 'button',
    class: `value${changed ? ' overridden' : ''}`,
    'data-path': path,
    'data-testid': 'value',
    text,
    'aria-describedby': 'provenance',
  });
}

function historyOf(path) {
  const row = state.rows.get(path);
  const box = el(
    'div',
    { class: 'history' },
    el('div', { class: 'mono path', text: row && !row.deleted ? `${path} = ${show(row.value)}` : path }),
  );
  if (!row || !row.chain.length)
    return (box.append(el('div', { class: 'muted', text: 'no provenance recorded' })), box);
  const [head, ...rest] = row.chain;
  box.append(
    el(
      'div',
      { class: 'step set' },
      el('span', { class: 'verb', text: row.deleted ? 'deleted at' : 'set at' }),
      ' ',
      el('span', { class: 'mono at', 'data-testid': 'provenance-at', text: head.at }),
    ),
  );
  for (const s of rest) {
    box.append(
      el(
        'div',
        { class: 'step overrode' },
        el('span', { class: 'verb', text: 'overrode' }),
        ' ',
        el('span', { class: 'mono val', text: show(s.value) }),
        ' from ',
        el('span', { class: 'mono at', text: s.at }),
      ),
    );
  }
  return box;
}

function showTooltip(target) {
  const tip = $('provenance');
  tip.replaceChildren(historyOf(target.dataset.path));
  tip.hidden = false;
  const r = target.getBoundingClientRect();
  const left = Math.min(
    window.scrollX + r.left,
    window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8,
  );
  tip.style.left = `${Math.max(8, left)}px`;
  tip.style.top = `${window.scrollY + r.bottom + 6}px`;
}

function hideTooltip() {
  $('provenance').hidden = true;
}

function wireValues() {
  const tree = $('values-tree');
  tree.addEventListener('mouseover', (e) => e.target.matches('button.value') && showTooltip(e.target));
  tree.addEventListener('mouseout', (e) => e.target.matches('button.value') && hideTooltip());
  tree.addEventListener('focusin', (e) => e.target.matches('button.value') && showTooltip(e.target));
  tree.addEventListener('focusout', hideTooltip);
  tree.addEventListener('click', (e) => {
    const b = e.target.closest('button.value');
    if (!b) return;
    tree.querySelectorAll('button.value.pinned').forEach((x) => x.classList.remove('pinned'));
    b.classList.add('pinned');
    showTooltip(b);
    $('provenance-detail').replaceChildren(historyOf(b.dataset.path));
  });
  document.addEventListener('keydown', (e) => e.key === 'Escape' && hideTooltip());
}

// ---- findings --------------------------------------------------------------------------------------------

function findingList(findings) {
  return el(
    'ul',
    { class: 'findings' },
    ...findings.map((f) =>
      el(
        'li',
        { class: `finding ${f.severity}`, 'data-testid': 'finding' },
        el('span', { class: `badge ${f.severity}`, text: f.severity }),
        ' ',
        el('span', { class: 'rule mono', text: f.rule }),
        ' ',
        el('span', { text: f.message }),
        f.object || f.path
          ? el('div', { class: 'mono muted', text: [f.object, f.path].filter(Boolean).join(' ') })
          : null,
        f.template || f.origin
          ? el('div', {
              class: 'mono muted',
              text: [
                f.template,
                f.origin
                  ? `set at ${f.origin.flag || [f.origin.file, f.origin.line, f.origin.column].filter(Boolean).join(':')}`
                  : '',
              ]
                .filter(Boolean)
                .join('; '),
            })
          : null,
      ),
    ),
  );
}

async function loadFindings(current) {
  let body;
  try {
    body = await api(`${base()}/lint?${q({ env: state.env })}`);
  } catch (e) {
    if (current()) {
      $('findings').replaceChildren(el('p', { class: 'muted', text: `Lint unavailable: ${e.message}` }));
      $('findings-count').textContent = '';
    }
    return;
  }
  if (!current()) return;
  const n = body.findings.length;
  $('findings-count').textContent = n ? String(n) : '';
  $('findings-count').className = `count${body.errors ? ' has-errors' : ''}`;
  $('findings').replaceChildren(
    n ? findingList(body.findings) : el('p', { class: 'ok', text: `No findings for ${state.app.id} in ${state.env}.` }),
  );
}

// ---- diff between two environments -----------------------------------------------------------------------

async function loadDiff(current) {
  const pre = $('diff');
  if (!state.against) {
    pre.replaceChildren(el('span', { class: 'muted', text: 'This app has a single environment: nothing to compare.' }));
    $('diff-title').textContent = '';
    return;
  }
  let body;
  try {
    body = await api(`${base()}/diff?${q({ env: state.env, against: state.against })}`);
  } catch (e) {
    if (current()) pre.replaceChildren(el('span', { class: 'muted', text: `Diff unavailable: ${e.message}` }));
    return;
  }
  if (!current()) return;
  $('diff-title').textContent = `${state.against} → ${state.env}`;
  const lines = body.text.split('\n');
  if (!body.text.trim()) return pre.replaceChildren(el('span', { class: 'muted', text: 'No differences.' }));
  pre.replaceChildren(
    ...lines.map((line) => {
      const cls = /^(\+\+\+|---)( |$)/.test(line)
        ? 'file'
        : line.startsWith('+')
          ? 'add'
          : line.startsWith('-')
            ? 'del'
            : line.startsWith('@@')
              ? 'hunk'
              : '';
      return el('span', { class: `line ${cls}`, text: line + '\n' });
    }),
  );
}

// ---- tabs (arrow keys move between them, as in the WAI-ARIA tabs pattern) --------------------------------

function selectTab(name, focus) {
  state.tab = name;
  for (const t of document.querySelectorAll('[role=tab]')) {
    const on = t.dataset.tab === name;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    if (on && focus) t.focus();
    $(`panel-${t.dataset.tab}`).hidden = !on;
  }
  hideTooltip();
  writeHash();
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  for (const t of tabs) {
    t.addEventListener('click', () => selectTab(t.dataset.tab, false));
    t.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(t);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      selectTab(tabs[(to + tabs.length) % tabs.length].dataset.tab, true);
    });
  }
}

// ---- start -----------------------------------------------------------------------------------------------

async function start() {
  wireTabs();
  wireValues();
  $('expand-all').addEventListener('click', () =>
    document.querySelectorAll('#manifests details').forEach((d) => (d.open = true)),
  );
  $('collapse-all').addEventListener('click', () =>
    document.querySelectorAll('#manifests details').forEach((d) => (d.open = false)),
  );
  $('app-select').addEventListener('change', (e) => (chooseApp(e.target.value, state.env), refresh()));
  $('env-select').addEventListener('change', (e) => (chooseApp(state.app.id, e.target.value), refresh()));
  $('against-select').addEventListener(
    'change',
    (e) => ((state.against = e.target.value), writeHash(), loadDiff(() => true)),
  );
  try {
    const body = await api('/api/apps');
    state.apps = body.apps;
    fillSelect(
      $('app-select'),
      state.apps.map((a) => ({ value: a.id, label: a.error ? `${a.id} (broken)` : a.id })),
    );
    if (!state.apps.length) return showError(`No apps (strata.yaml) under ${body.root}.`);
    const h = readHash();
    state.against = h.against || undefined;
    chooseApp(h.app, h.env);
    selectTab(['manifests', 'values', 'findings', 'diff'].includes(h.tab) ? h.tab : 'manifests', false);
    await refresh();
  } catch (e) {
    showError(e.message);
  }
}

start();
