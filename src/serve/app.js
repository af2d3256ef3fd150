// holdsim serve: the page's behaviour. Builds a job from the form (the starting
// scenario's text plus `key=value` changes, as `holdsim --set` takes them), posts it to
// the JSON API, shows its progress, its report and downloads, and the scenario log.
// All text from the server or the user goes into the page as text, never as HTML
// (except the form's own fields, which the server renders and escapes).
'use strict';

const $ = (id) => document.getElementById(id);
const MAX_OPTIONS = 6;
let baseText = 'base = "' + $('start-name').dataset.start + '"\n';
let running = null;
// The job whose main results the page has shown (before its files were ready).
let shown = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

const formInputs = () => [...document.querySelectorAll('#job input[data-key]')];
const inputFor = (key) => formInputs().find((i) => i.dataset.key === key);
function labelOf(key) {
  const i = inputFor(key);
  const l = i && document.querySelector('label[for="' + i.id + '"]');
  return l ? l.textContent : key;
}
const unitOf = (key) => { const i = inputFor(key); const u = i && i.parentElement.querySelector('.unit'); return u ? u.textContent : ''; };

// The baseline's changes to the starting scenario.
function baselineChanges() {
  return formInputs()
    .filter((i) => i.value.trim() !== '' && Number(i.value) !== Number(i.dataset.default))
    .map((i) => i.dataset.key + '=' + i.value.trim());
}

const PRESETS = {
  worker: () => { const n = Number(inputFor('workforce.link_workers').value) + 1; return ['A link worker more: ' + n + ' posts', [['workforce.link_workers', n]]]; },
  supervision: () => ['Supervision: 2 hours a month', [['support.supervision_hours_per_month', 2]]],
  training: () => ['Training', [['support.training_effect', 0.2]]],
  cap: () => ['Caseload cap of 30', [['policy.caseload_cap', 30]]],
  boundary: () => ['Holding boundary of 12 weeks', [['policy.max_holding_weeks', 12]]],
  blank: () => ['', [['workforce.link_workers', inputFor('workforce.link_workers').value]]],
};

let optionCount = 0;
function addOption(preset) {
  const options = $('options');
  if (options.children.length >= MAX_OPTIONS) { say('Six options at most: remove one first.'); return; }
  const [title, changes] = PRESETS[preset]();
  const n = ++optionCount;
  const box = el('fieldset', { class: 'option' }, el('legend', { text: 'Option' }));
  const titleInput = el('input', { id: 'opt' + n + '-title', type: 'text', maxlength: '120', value: title || 'Option ' + n });
  box.append(el('div', { class: 'field' }, el('label', { for: titleInput.id, text: 'Name of this option' }), titleInput));
  const list = el('div', { class: 'changes' });
  const says = el('p', { class: 'says' });
  const addChange = (key, value) => {
    const k = optionCount + '-' + list.children.length + '-' + Math.random().toString(36).slice(2, 6);
    const select = el('select', { id: 'chg' + k + '-key' });
    for (const i of formInputs()) {
      const o = el('option', { value: i.dataset.key, text: labelOf(i.dataset.key) });
      if (i.dataset.key === key) o.selected = true;
      select.append(o);
    }
    const input = el('input', { id: 'chg' + k + '-value', type: 'number', step: 'any', value: String(value) });
    const remove = el('button', { type: 'button', class: 'quiet', text: 'Remove change' });
    const row = el('div', { class: 'change' },
      el('span', { class: 'field' }, el('label', { for: select.id, text: 'Change' }), select),
      el('span', { class: 'field' }, el('label', { for: input.id, text: 'to' }), input), remove);
    remove.addEventListener('click', () => { row.remove(); describe(); });
    select.addEventListener('change', describe);
    input.addEventListener('input', describe);
    list.append(row);
  };
  const describe = () => {
    const parts = [...list.querySelectorAll('.change')].map((row) => {
      const key = row.querySelector('select').value;
      const to = row.querySelector('input').value;
      return labelOf(key) + ': ' + inputFor(key).value + ' → ' + to + ' ' + unitOf(key);
    });
    says.textContent = parts.length ? 'Changes: ' + parts.join('; ') : 'No changes yet: this option is today again.';
  };
  for (const [key, value] of changes) addChange(key, value);
  const more = el('button', { type: 'button', class: 'quiet', text: 'Add a change' });
  more.addEventListener('click', () => { addChange('workforce.link_workers', inputFor('workforce.link_workers').value); describe(); });
  const drop = el('button', { type: 'button', class: 'quiet', text: 'Remove option' });
  drop.addEventListener('click', () => { box.remove(); renumber(); $('add').focus(); });
  box.append(list, says, el('p', {}, more, ' ', drop));
  box.describe = describe;
  box.changes = () => [...list.querySelectorAll('.change')].map((r) => r.querySelector('select').value + '=' + r.querySelector('input').value.trim());
  box.optionTitle = () => titleInput.value;
  options.append(box);
  renumber();
  describe();
  titleInput.focus();
}

// "Option 1", "Option 2", … in the order shown (a screen reader announces the legend).
function renumber() {
  [...$('options').children].forEach((box, i) => { box.querySelector('legend').textContent = 'Option ' + (i + 1); });
}

function say(text) { $('status').textContent = text; }

function showProblems(problems) {
  const box = $('problems');
  box.replaceChildren();
  if (!problems.length) return;
  const list = el('ul');
  for (const p of problems) {
    const where = [p.file, p.line ? 'line ' + p.line : null, p.key ? labelOf(p.key) + ' (' + p.key + ')' : null].filter(Boolean).join(', ');
    list.append(el('li', { text: where + ': ' + p.message }));
  }
  box.append(el('p', { text: 'Please fix:' }), list);
}

async function run(event) {
  event.preventDefault();
  showProblems([]);
  const base = baselineChanges();
  const options = [...document.querySelectorAll('#options .option')];
  if (!options.length) { say('Add at least one option to compare with today.'); return; }
  const body = {
    scenarios: [{ title: $('baseline-title').value, toml: baseText, set: base }]
      .concat(options.map((o) => ({ title: o.optionTitle(), toml: baseText, set: base.concat(o.changes()) }))),
    replications: Number($('replications').value),
    seed: Number($('seed').value),
    robustness: $('robustness').checked,
  };
  const uncertainty = document.querySelector('input[name="uncertainty"]:checked').value;
  if (uncertainty === 'bundled') body.posterior = { bundled: 'literature' };
  if (uncertainty === 'upload') {
    const file = $('posterior-file').files[0];
    if (!file) { say('Choose your posterior.csv (from holdsim calibrate) first, or another kind of parameter uncertainty.'); $('posterior-file').focus(); return; }
    body.posterior = { name: file.name, csv: await file.text() };
  }
  const reply = await fetch('/api/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await reply.json().catch(() => ({}));
  if (reply.status === 201) { follow(answer.id); return; }
  if (answer.problems) { showProblems(answer.problems); say(answer.problems.every((p) => /\.csv\b/.test(p.file)) ? 'The posterior file has problems (below).' : 'The scenario has problems (below).'); return; }
  if (reply.status === 429) { say('The server is busy with other runs; try again in ' + (reply.headers.get('Retry-After') || 'a few') + ' seconds.'); return; }
  say(answer.error || 'The run was refused (' + reply.status + ').');
}

async function follow(id) {
  running = id;
  $('progress').hidden = false;
  $('cancel').hidden = false;
  $('run').disabled = true;
  for (;;) {
    const reply = await fetch('/api/jobs/' + encodeURIComponent(id));
    if (!reply.ok) { say('The run is no longer known to the server.'); break; }
    const s = await reply.json();
    $('progress').max = Math.max(1, s.total);
    $('progress').value = s.done;
    if (s.stage === 'main-results' && shown !== id) { shown = id; showMain(id, s); }
    say(s.state === 'queued' ? 'Waiting for other runs to finish…'
      : s.stage === 'main-results' ? 'The main results are ready (below); the rest follows.'
      : 'Running: ' + s.done + ' of ' + s.total + ' replications');
    if (s.state === 'done') { if (await showResults(id)) say('Done: every file is ready.'); break; }
    if (s.state === 'failed' || s.state === 'cancelled') {
      say(s.state === 'failed' ? 'The run failed: ' + s.error : 'Cancelled.');
      if (shown === id) $('pending').textContent = 'These main results were not kept: the run ' + (s.state === 'failed' ? 'failed' : 'was cancelled') + ' before its files were written, so it is not in the log.';
      break;
    }
    await new Promise((r) => setTimeout(r, s.stage === 'replications' ? 100 : 250));
  }
  running = null;
  $('cancel').hidden = true;
  $('run').disabled = false;
  refreshLog();
}

const DOWNLOADS = [
  ['report.html', 'Report (print-ready)'], ['comparison.xlsx', 'Workbook'], ['verdict.csv', 'Verdict (CSV)'],
  ['compare.csv', 'All results (CSV)'], ['pairwise.csv', 'Differences (CSV)'], ['cost_effectiveness.csv', 'Costs (CSV)'],
  ['posterior.csv', 'Posterior used (for holdsim compare --posterior)'],
];

// How a job's parameters were set, in words (its inputs.posterior).
const uncertaintyWords = (p) => (p ? 'assumptions drawn from ' + p.source + ' (' + p.particles + ' particles)' : 'fixed assumptions');

const stillToCome = (s) => (s.inputs.robustness ? 'the reruns across the deciding assumptions, ' : '') + 'the PNG charts, the workbook and the downloads';

// The report of the main results, while the rest of the job's files are made.
function showMain(id, s) {
  $('results').hidden = false;
  $('results-title').textContent = s.title;
  $('pending').hidden = false;
  $('pending').textContent = 'Main results. Still to come: ' + stillToCome(s) + '; this page updates when they are ready.';
  $('downloads').replaceChildren();
  $('downloads-note').hidden = true;
  $('report').src = '/api/jobs/' + encodeURIComponent(id) + '/main';
  $('report-link').href = $('report').src;
}

// Points the report frame at `src`, keeping where the reader had scrolled to when it is
// the same job's report being replaced by its final version.
function showReport(src, sameJob) {
  const frame = $('report');
  const win = frame.contentWindow;
  const y = sameJob && win ? win.scrollY : 0;
  if (y) frame.addEventListener('load', () => frame.contentWindow.scrollTo(0, y), { once: true });
  frame.src = src;
}

async function showResults(id) {
  const base = '/api/jobs/' + encodeURIComponent(id);
  const [status, files] = await Promise.all([fetch(base).then((r) => r.json()), fetch(base + '/files').then((r) => r.json())]);
  if (!files.files) { say(files.error || 'No results for this run.'); return false; }
  $('results').hidden = false;
  $('pending').hidden = true;
  $('downloads-note').hidden = false;
  $('results-title').textContent = status.title;
  const list = $('downloads');
  list.replaceChildren();
  const link = (name, text) => el('li', {}, el('a', { href: base + '/files/' + name + '?download', text }));
  for (const [name, text] of DOWNLOADS) if (files.files.includes(name)) list.append(link(name, text));
  for (const name of files.files.filter((f) => /^scenarios\/[^/]+\.toml$/.test(f))) list.append(link(name, name.slice(10) + ' (for holdsim compare)'));
  showReport(base + '/files/report.html', shown === id);
  $('report-link').href = base + '/files/report.html';
  history.replaceState(null, '', '#job=' + id);
  return true;
}

async function refreshLog() {
  const reply = await fetch('/api/jobs');
  const { jobs } = await reply.json();
  const log = $('log');
  log.replaceChildren();
  if (!jobs.length) log.append(el('li', { text: 'No runs yet.' }));
  for (const j of jobs) {
    const when = j.created_utc.replace('T', ' ').replace('Z', ' UTC');
    const what = el('span', { class: 'what' }, el('strong', { text: j.title }),
      el('br'), when + ' · ' + j.state + ' · ' + (j.inputs.replications || '?') + ' replications, seed ' + j.inputs.seed + ' · ' + uncertaintyWords(j.inputs.posterior));
    for (const h of j.headline || []) what.append(el('br'), h.label + ': ' + h.best_title + (h.clear ? ' is best, clearly' : ' is best on average, not clearly'));
    const item = el('li', {}, what);
    if (j.state === 'done') {
      const tick = el('input', { type: 'checkbox', id: 'pick-' + j.id, class: 'pick', 'data-id': j.id, 'aria-label': 'Compare “' + j.title + '” of ' + when });
      if (picked.includes(j.id)) tick.checked = true;
      tick.addEventListener('change', () => { picked = picked.filter((p) => p !== j.id); if (tick.checked) picked.push(j.id); updatePicks(); });
      item.prepend(el('span', { class: 'check' }, tick, el('label', { for: tick.id, text: 'Compare' })));
    }
    // Each button names its run for a screen reader, which hears it out of the list.
    const button = (text, action) => { const b = el('button', { type: 'button', class: 'quiet', text, 'aria-label': text + ' “' + j.title + '” of ' + when }); b.addEventListener('click', action); item.append(b); };
    if (j.state === 'done') button('Open', () => showResults(j.id).then(() => $('results').scrollIntoView()));
    if ((j.state === 'queued' || j.state === 'running') && running !== j.id) button('Follow', () => follow(j.id));
    button('Rename', async () => {
      const title = prompt('New name for this run', j.title);
      if (title) await fetch('/api/jobs/' + j.id, { method: 'PATCH', body: JSON.stringify({ title }) });
      refreshLog();
    });
    if (j.state !== 'queued' && j.state !== 'running') button('Delete', async () => {
      if (confirm('Delete "' + j.title + '" and its files?')) await fetch('/api/jobs/' + j.id, { method: 'DELETE' });
      refreshLog();
    });
    log.append(item);
  }
  picked = picked.filter((id) => jobs.some((j) => j.id === id && j.state === 'done'));
  updatePicks();
  document.body.dataset.ready = 'yes';
}

// The finished runs ticked in the log, in the order ticked (the first is "before").
let picked = [];
function updatePicks() {
  picked = picked.slice(-2);
  for (const box of document.querySelectorAll('#log .pick')) box.checked = picked.includes(box.dataset.id);
  $('compare-two').disabled = picked.length !== 2;
}

const fmt = (x) => (x === null || x === undefined ? '–' : Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString());
function resultLines(run, row) {
  // Shares read as percentages, as in the report.
  const f = row.kpi.startsWith('share_') ? (x) => (x === null || x === undefined ? '–' : fmt(100 * x) + '%') : fmt;
  const lines = run.inputs.scenarios.map((s, i) => {
    const v = row.values[i];
    if (!v || v.mean === null) return (s.title || s.name) + ': –';
    // With a posterior: where 95% of runs fell, and how often an option beat the baseline.
    const range = v.range_low !== undefined && v.range_low !== null ? '; 95% of runs ' + f(v.range_low) + ' to ' + f(v.range_high) : '';
    const beats = i && v.p_better !== undefined && v.p_better !== null ? '; better than ' + (run.inputs.scenarios[0].title || 'the baseline') + ' in ' + Math.round(100 * v.p_better) + '% of runs' : '';
    return (s.title || s.name) + ': ' + f(v.mean) + ' (95% CI ' + f(v.ci_low) + ' to ' + f(v.ci_high) + range + beats + ')';
  });
  lines.push(el('strong', { text: row.best_title + (row.clear ? ' is best, clearly' : ' is best on average, not clearly') }));
  return lines;
}

// Two logged runs side by side: their inputs, their headline results, and how the
// second's inputs differ from the first's in words.
async function compareTwo() {
  const reply = await fetch('/api/compare/' + picked[0] + '/' + picked[1]);
  const answer = await reply.json();
  const body = $('two-runs-body');
  body.replaceChildren();
  $('two-runs').hidden = false;
  if (!reply.ok) { body.append(el('p', { text: answer.error || 'These runs cannot be compared.' })); return; }
  const runs = [answer.first, answer.second];
  const cell = (lines) => { const td = el('td'); lines.forEach((l, i) => { if (i) td.append(el('br')); td.append(l); }); return td; };
  const table = el('table', { class: 'side' });
  table.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: '' }), ...runs.map((r, i) => el('th', { scope: 'col', text: (i ? 'Second: ' : 'First: ') + r.title })))));
  const tbody = el('tbody');
  const row = (label, f) => tbody.append(el('tr', {}, el('th', { scope: 'row', text: label }), ...runs.map((r) => cell(f(r)))));
  row('Run', (r) => [r.created_utc.replace('T', ' ').replace('Z', ' UTC')]);
  row('Replications, seed', (r) => [r.inputs.replications + ' replications, seed ' + r.inputs.seed + (r.inputs.robustness ? ', with robustness reruns' : '')]);
  row('Parameter uncertainty', (r) => [uncertaintyWords(r.inputs.posterior)]);
  row('Today and the options', (r) => r.inputs.scenarios.map((s, i) => (i ? 'Option ' + i + ': ' : 'Today: ') + (s.title || s.name)));
  const kpis = runs[0].results.map((x) => x.kpi).concat(runs[1].results.map((x) => x.kpi)).filter((k, i, all) => all.indexOf(k) === i);
  for (const kpi of kpis) {
    const label = (runs[0].results.find((x) => x.kpi === kpi) || runs[1].results.find((x) => x.kpi === kpi)).label;
    row(label, (r) => { const x = r.results.find((y) => y.kpi === kpi); return x ? resultLines(r, x) : ['–']; });
  }
  table.append(tbody);
  const differences = el('ul', { class: 'differences' });
  for (const d of answer.differences) differences.append(el('li', { text: d }));
  if (!answer.differences.length) differences.append(el('li', { text: 'None: the two runs had the same inputs.' }));
  body.append(el('div', { class: 'scroll' }, table), el('h4', { text: 'What the second run changed in the inputs' }), differences);
  $('two-runs').focus();
}

async function upload() {
  const file = $('upload').files[0];
  if (!file) return;
  const text = await file.text();
  const reply = await fetch('/api/resolve', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ toml: text }) });
  const answer = await reply.json();
  if (answer.problems) { showProblems(answer.problems); say('The file has problems (below).'); return; }
  showProblems([]);
  baseText = text;
  $('start-name').textContent = (answer.title || file.name) + ' (uploaded)';
  // Its services may not be the bundled ones: their fields come from the server's
  // renderer (the same one, escaping every text, that drew the page).
  $('service-fields').innerHTML = answer.service_fields;
  for (const i of formInputs()) {
    const v = answer.values[i.dataset.key];
    if (v !== undefined) { i.value = v; i.dataset.default = v; }
  }
  for (const o of document.querySelectorAll('#options .option')) o.describe();
  say('Loaded ' + file.name + '.');
}

$('start').addEventListener('change', () => { location.search = '?start=' + encodeURIComponent($('start').value); });
$('upload').addEventListener('change', upload);
for (const radio of document.querySelectorAll('input[name="uncertainty"]')) radio.addEventListener('change', () => { $('posterior-choose').hidden = !$('u-upload').checked; });
$('add').addEventListener('click', () => addOption($('preset').value));
$('compare-two').addEventListener('click', compareTwo);
$('job').addEventListener('submit', run);
$('cancel').addEventListener('click', () => { if (running) fetch('/api/jobs/' + running + '/cancel', { method: 'POST' }); });
document.addEventListener('input', (e) => { if (e.target.dataset && e.target.dataset.key) for (const o of document.querySelectorAll('#options .option')) o.describe(); });
const opened = /^#job=([0-9a-f]+)$/.exec(location.hash);
if (opened) fetch('/api/jobs/' + opened[1]).then((r) => r.json()).then((s) => (s.state === 'done' ? showResults(opened[1]) : s.state ? follow(opened[1]) : null));
refreshLog();
