// SMS operations dashboard: polls /dashboard/api/state every 2 s and draws it; pause/resume, requeue and discard
// go through the confirmation dialog first. Plain ES2020, no build step. The browser resends the HTTP Basic
// credentials it was given for /dashboard with every fetch (same origin), so nothing here handles secrets.
'use strict';

(() => {
  const POLL_MS = 2000;
  // A refresh that hangs must not stall the page: it is abandoned and counts as failed.
  const REQUEST_TIMEOUT_MS = 10000;
  const API = '/dashboard/api';
  // Every POST/DELETE carries it: a cross-site form cannot set a header, so the API refuses one without it.
  const ACTION_HEADER = { 'X-Dashboard-Action': '1' };
  const DEAD_LETTER_COUNT = 50;

  const METRICS = ['accepted', 'sent', 'delivered', 'undelivered', 'failed', 'refunded'];
  const METRIC_LABELS = {
    accepted: 'Accepted',
    sent: 'Sent',
    delivered: 'Delivered',
    undelivered: 'Undelivered',
    failed: 'Failed',
    refunded: 'Refunded',
  };

  // en-US everywhere: the page is in English, and the browser test reads the numbers back.
  const intFormat = new Intl.NumberFormat('en-US');
  const rateFormat = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    useGrouping: false,
  });

  const $ = (selector, root = document) => root.querySelector(selector);

  const page = {
    timer: null,
    polling: false,
    pollAgain: false,
    // Set after a 401/403: polling on would only add to the API's failed-login throttle.
    stopped: false,
    lastGood: null,
    // Dead letters: the type shown, whether the user chose it, and what was drawn (to redraw only on change).
    deadType: null,
    deadTypeChosen: false,
    deadCount: null,
    deadIds: '',
    // Set when the list must be fetched at the next poll whatever the count says (an action, a new type).
    deadStale: true,
    deadPolls: 0,
    charts: new Map(),
    latencyChart: null,
    busy: false,
  };

  // ------------------------------------------------------------------ formatting ----

  function fmtInt(n) {
    return typeof n === 'number' && Number.isFinite(n) ? intFormat.format(n) : '—';
  }

  function fmtRate(n) {
    return typeof n === 'number' && Number.isFinite(n) ? rateFormat.format(n) : '—';
  }

  function fmtMs(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      return '—';
    }
    if (ms < 1000) {
      return `${Math.round(ms)} ms`;
    }
    if (ms < 60000) {
      return `${(ms / 1000).toFixed(1)} s`;
    }
    const minutes = Math.floor(ms / 60000);
    if (minutes < 60) {
      return `${minutes} min ${Math.floor((ms % 60000) / 1000)} s`;
    }
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function fmtClock(date) {
    return date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  // Sets a cell's text and keeps the raw value beside it, for a reader (or test) that wants the number.
  function setField(el, text, raw) {
    if (!el) {
      return;
    }
    if (el.textContent !== text) {
      el.textContent = text;
    }
    if (raw === undefined || raw === null) {
      el.removeAttribute('data-value');
    } else {
      el.dataset.value = String(raw);
    }
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'class') {
        node.className = value;
      } else if (key === 'text') {
        node.textContent = value;
      } else if (key.startsWith('data-')) {
        node.dataset[key.slice(5).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = value;
      } else {
        node.setAttribute(key, value);
      }
    }
    for (const child of children) {
      node.append(child);
    }
    return node;
  }

  // ------------------------------------------------------------------ HTTP ----

  class HttpError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  // The problem's detail (RFC 9457) when the API sent one, else the status line.
  async function problemOf(response) {
    let detail = '';
    try {
      const type = response.headers.get('Content-Type') || '';
      if (type.includes('json')) {
        const body = await response.json();
        detail = body.detail || body.title || '';
      }
    } catch (e) {
      // Not JSON after all: the status line below says enough.
    }
    return new HttpError(response.status, detail || `${response.status} ${response.statusText}`.trim());
  }

  async function request(method, url) {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method,
        headers: method === 'GET' ? { Accept: 'application/json' } : { Accept: 'application/json', ...ACTION_HEADER },
        credentials: 'same-origin',
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!response.ok) {
        throw await problemOf(response);
      }
      if (response.status === 204) {
        return null;
      }
      return await response.json();
    } catch (e) {
      if (e.name === 'AbortError') {
        throw new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
      }
      if (e instanceof HttpError) {
        throw e;
      }
      // fetch's own TypeError ("Failed to fetch"): the API is down or unreachable.
      throw new Error(`the API did not answer (${e.message})`);
    } finally {
      clearTimeout(timeout);
    }
  }

  function isAuthError(e) {
    return e instanceof HttpError && (e.status === 401 || e.status === 403);
  }

  const NOT_AUTHORISED =
    'Not authorised: reload the page and sign in again, with any user name and the admin key (or an admin token) as password.';

  // A problem's detail usually ends with a full stop; the sentences around it add their own.
  const sentence = (text) => String(text).replace(/[.\s]+$/, '');

  // ------------------------------------------------------------------ polling ----

  function schedule(delay) {
    clearTimeout(page.timer);
    page.timer = null;
    if (!page.stopped && !document.hidden) {
      page.timer = setTimeout(poll, delay);
    }
  }

  // One refresh: state, then (when needed) the dead letters. Never throws: a failure is shown in #connection
  // and the last good figures stay on screen, marked stale, until the next refresh succeeds.
  async function poll() {
    if (page.polling) {
      // An action asked for a refresh while one runs: run another right after it.
      page.pollAgain = true;
      return;
    }
    clearTimeout(page.timer);
    page.polling = true;
    page.pollAgain = false;
    try {
      const state = await request('GET', `${API}/state`);
      page.lastGood = new Date();
      render(state);
      await refreshDeadLetters(state);
      setConnection('');
      const updated = $('#updated-at');
      updated.textContent = fmtClock(page.lastGood);
      updated.setAttribute('datetime', page.lastGood.toISOString());
    } catch (e) {
      if (isAuthError(e)) {
        page.stopped = true;
        setConnection(NOT_AUTHORISED);
      } else {
        const since = page.lastGood ? ` The figures shown are from ${fmtClock(page.lastGood)}.` : '';
        setConnection(`Refresh failed: ${sentence(e.message)}.${since} Retrying every ${POLL_MS / 1000} s.`);
      }
    } finally {
      page.polling = false;
      schedule(page.pollAgain ? 0 : POLL_MS);
    }
  }

  function setConnection(text) {
    const node = $('#connection');
    // Only on change: the element is an alert, and repeating the same text would be announced again.
    if (node.textContent !== text) {
      node.textContent = text;
    }
    document.body.classList.toggle('stale', text !== '');
  }

  function showNotice(text, kind) {
    const node = $('#notice');
    node.textContent = text;
    node.className = `notice ${kind}`;
  }

  // Each part drawn on its own: a surprise in one (a field missing) must not blank the others.
  function render(state) {
    const parts = [
      ['queues', () => renderQueues(state.queues || [])],
      ['throughput', () => renderThroughput(state.rates, state.generated_at)],
      ['latency', () => renderLatency(state.express_latency)],
      ['workers', () => renderWorkers(state.workers || {})],
      ['clients', () => renderClients(state)],
    ];
    const failed = [];
    for (const [name, draw] of parts) {
      try {
        draw();
      } catch (e) {
        failed.push(name);
        // A bug (or a contract change): worth the console.
        console.error(`dashboard: could not draw ${name}`, e);
      }
    }
    if (failed.length) {
      throw new Error(`could not draw ${failed.join(', ')} from the API's answer`);
    }
  }

  // ------------------------------------------------------------------ queues ----

  const QUEUE_FIELDS = ['depth', 'waiting', 'in_flight', 'oldest', 'retries', 'dead_letters'];

  function queueRow(type) {
    const row = el('tr', { 'data-queue': type });
    // State and its button come right after the name: on a phone they are visible without scrolling sideways.
    row.append(el('th', { scope: 'row', text: type }));
    row.append(el('td', { 'data-field': 'state' }));
    row.append(el('td', {}, el('button', { type: 'button', 'data-action': 'pause' })));
    for (const field of QUEUE_FIELDS) {
      row.append(el('td', { 'data-field': field, class: 'num' }));
    }
    return row;
  }

  function renderQueues(queues) {
    const body = $('#queues tbody');
    // Rows are updated in place, never rebuilt: a keyboard user's focus on a button survives the refresh.
    const rows = new Map([...body.querySelectorAll('tr[data-queue]')].map((r) => [r.dataset.queue, r]));
    body.querySelector('tr.placeholder')?.remove();
    queues.forEach((q, index) => {
      let row = rows.get(q.type);
      if (!row) {
        row = queueRow(q.type);
      }
      rows.delete(q.type);
      if (body.children[index] !== row) {
        body.insertBefore(row, body.children[index] || null);
      }
      const cell = (name) => row.querySelector(`td[data-field="${name}"]`);
      setField(cell('depth'), fmtInt(q.depth), q.depth);
      setField(cell('waiting'), fmtInt(q.waiting), q.waiting);
      setField(cell('in_flight'), fmtInt(q.in_flight), q.in_flight);
      setField(cell('oldest'), fmtMs(q.oldest_waiting_age_ms), q.oldest_waiting_age_ms);
      setField(cell('retries'), fmtInt(q.scheduled_retries), q.scheduled_retries);
      setField(cell('dead_letters'), fmtInt(q.dead_letters), q.dead_letters);
      const stateCell = cell('state');
      const stateText = q.paused ? 'paused' : 'running';
      if (stateCell.textContent !== stateText) {
        stateCell.replaceChildren(el('span', { class: `badge ${stateText}`, text: stateText }));
      }
      row.classList.toggle('paused', !!q.paused);
      const button = row.querySelector('button');
      const action = q.paused ? 'resume' : 'pause';
      if (button.dataset.action !== action) {
        button.dataset.action = action;
      }
      button.textContent = q.paused ? 'Resume' : 'Pause';
      button.setAttribute('aria-label', `${q.paused ? 'Resume' : 'Pause'} the ${q.type} queue`);
      addDeadLetterType(q.type);
    });
    for (const gone of rows.values()) {
      gone.remove();
    }
    if (!queues.length && !body.children.length) {
      body.append(el('tr', { class: 'placeholder' }, el('td', { colspan: '9', text: 'The API reports no queues.' })));
    }
  }

  // ------------------------------------------------------------------ charts ----

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  const chartsAvailable = () => typeof window.uPlot === 'function';

  // 24-hour clock times on the time axis and in the legend (uPlot's default is 12-hour with am/pm).
  const clockLabel = (seconds, withSeconds) =>
    new Date(seconds * 1000).toLocaleTimeString('en-GB', withSeconds
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { hour: '2-digit', minute: '2-digit' });
  const timeSeries = { label: 'Time', value: (u, v) => (v == null ? '—' : clockLabel(v, true)) };
  const timeAxis = () => ({ ...axisStyle(), values: (u, splits) => splits.map((s) => clockLabel(s, false)) });

  function axisStyle() {
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  }

  function plotWidth(container) {
    return Math.max(240, Math.floor(container.clientWidth || 300));
  }

  const CHART_HEIGHT = 220;

  function throughputOptions(container) {
    return {
      width: plotWidth(container),
      height: CHART_HEIGHT,
      scales: {
        x: { time: true },
        // From 0 so that a quiet minute is not drawn as a wild curve; at least 0..1 when all is idle.
        y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] },
      },
      series: [
        timeSeries,
        ...METRICS.map((m) => ({
          label: METRIC_LABELS[m],
          stroke: cssVar(`--s-${m}`),
          width: 2,
          points: { show: false },
          value: (u, v) => (v == null ? '—' : `${fmtRate(v)}/s`),
        })),
      ],
      axes: [timeAxis(), { ...axisStyle(), size: 50, label: 'per second', labelSize: 18 }],
      legend: { live: true },
      // No drag-to-zoom: the next refresh (2 s) would reset it anyway.
      cursor: { drag: { x: false, y: false } },
    };
  }

  function latencyOptions(container) {
    const dim = cssVar('--s-sla');
    return {
      width: plotWidth(container),
      height: CHART_HEIGHT,
      scales: {
        x: { time: true },
        // Always show the SLA line with some room above it.
        y: { range: (u, min, max) => [0, Math.max(max * 1.1, (page.slaMs || 1) * 1.25)] },
      },
      series: [
        timeSeries,
        { label: 'p50', stroke: cssVar('--s-p50'), width: 2, value: (u, v) => (v == null ? '—' : `${fmtRate(v)} ms`) },
        { label: 'p99', stroke: cssVar('--s-p99'), width: 2, value: (u, v) => (v == null ? '—' : `${fmtRate(v)} ms`) },
        { label: 'SLA', stroke: dim, width: 1.5, dash: [6, 4], points: { show: false }, value: (u, v) => (v == null ? '—' : `${fmtInt(v)} ms`) },
        // The windows whose p99 was over the SLA, as points only: where the breaches were.
        {
          label: 'p99 over SLA',
          stroke: dim,
          fill: dim,
          width: 0,
          paths: () => null,
          points: { show: true, size: 8, stroke: dim, fill: dim },
          value: (u, v) => (v == null ? '—' : `${fmtRate(v)} ms`),
        },
      ],
      axes: [timeAxis(), { ...axisStyle(), size: 56, label: 'ms', labelSize: 18 }],
      legend: { live: true },
      // No drag-to-zoom: the next refresh (2 s) would reset it anyway.
      cursor: { drag: { x: false, y: false } },
    };
  }

  // A chart that follows its container's width (a narrow phone, a resized window).
  function makeChart(container, options, data) {
    container.replaceChildren();
    const chart = new window.uPlot(options, data, container);
    const observer = new ResizeObserver(() => {
      const width = plotWidth(container);
      if (width !== chart.width) {
        chart.setSize({ width, height: CHART_HEIGHT });
      }
    });
    observer.observe(container);
    chart.dashboardObserver = observer;
    return chart;
  }

  function destroyChart(chart) {
    if (chart) {
      chart.dashboardObserver?.disconnect();
      chart.destroy();
    }
  }

  function chartUnavailable(container) {
    if (!container.querySelector('.unavailable')) {
      container.replaceChildren(el('p', { class: 'unavailable', text: 'Chart library not loaded; the figures are in the table.' }));
    }
  }

  // Charts take their colours when made: after the colour scheme changes they are made again.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const chart of page.charts.values()) {
      destroyChart(chart);
    }
    page.charts.clear();
    destroyChart(page.latencyChart);
    page.latencyChart = null;
    poll();
  });

  // ------------------------------------------------------------------ throughput ----

  // Index after the last complete step: the step still running would show a rate that only looks like a drop.
  function completeSteps(t, step, generatedAt) {
    const now = Date.parse(generatedAt) / 1000;
    let end = t.length;
    if (Number.isFinite(now)) {
      while (end > 0 && t[end - 1] + step > now) {
        end--;
      }
    }
    return end;
  }

  function renderThroughput(rates, generatedAt) {
    if (!rates || !Array.isArray(rates.t)) {
      throw new Error('no rates');
    }
    const step = rates.step_seconds || 5;
    const series = rates.series || {};
    const end = completeSteps(rates.t, step, generatedAt);
    const t = rates.t.slice(0, end);
    const types = [];
    for (const m of METRICS) {
      for (const type of Object.keys(series[m] || {})) {
        if (!types.includes(type)) {
          types.push(type);
        }
      }
    }
    const values = (m, type) => ((series[m] || {})[type] || []).slice(0, end).map((v) => (v == null ? null : Number(v)));

    // One chart per queue type, a line per metric.
    const box = $('#throughput-charts');
    for (const type of types) {
      let figure = box.querySelector(`figure[data-type="${type}"]`);
      if (!figure) {
        figure = el(
          'figure',
          { class: 'chart', 'data-type': type },
          el('figcaption', { id: `tp-caption-${type}`, text: `${type}: messages per second` }),
          el('div', { class: 'plot', role: 'img', 'aria-labelledby': `tp-caption-${type} tp-alt-${type}` }),
          el('p', { id: `tp-alt-${type}`, class: 'visually-hidden' }),
        );
        box.append(figure);
      }
      const container = figure.querySelector('.plot');
      const data = [t, ...METRICS.map((m) => values(m, type))];
      if (!chartsAvailable()) {
        chartUnavailable(container);
      } else if (!page.charts.has(type)) {
        page.charts.set(type, makeChart(container, throughputOptions(container), data));
      } else {
        page.charts.get(type).setData(data);
      }
      const last = t.length - 1;
      const now = METRICS.map((m) => `${METRIC_LABELS[m].toLowerCase()} ${fmtRate(last >= 0 ? values(m, type)[last] : null)}`);
      figure.querySelector(`#tp-alt-${type}`).textContent = `Last complete ${step} s step, per second: ${now.join(', ')}.`;
    }
    for (const figure of box.querySelectorAll('figure[data-type]')) {
      if (!types.includes(figure.dataset.type)) {
        destroyChart(page.charts.get(figure.dataset.type));
        page.charts.delete(figure.dataset.type);
        figure.remove();
      }
    }
    renderThroughputTable(types, values, t, step);
  }

  // The text alternative of the charts: the last complete step's rate (the contract's data-field="<metric>-<type>")
  // and the 15 minutes' total per metric and type.
  function renderThroughputTable(types, values, t, step) {
    const table = $('#throughput-now');
    const headRow = table.querySelector('thead tr');
    const wanted = ['Metric', ...types.flatMap((type) => [`${type} now, /s`, `${type} 15 min`])];
    if ([...headRow.children].map((th) => th.textContent).join('|') !== wanted.join('|')) {
      headRow.replaceChildren(...wanted.map((text, i) => el('th', { scope: 'col', class: i ? 'num' : '', text })));
    }
    const body = table.querySelector('tbody');
    const last = t.length - 1;
    for (const m of METRICS) {
      let row = body.querySelector(`tr[data-metric="${m}"]`);
      if (!row || row.children.length !== wanted.length) {
        const fresh = el('tr', { 'data-metric': m }, el('th', { scope: 'row', text: METRIC_LABELS[m] }));
        for (const type of types) {
          fresh.append(el('td', { class: 'num', 'data-field': `${m}-${type}` }));
          fresh.append(el('td', { class: 'num', 'data-field': `${m}-${type}-total` }));
        }
        if (row) {
          row.replaceWith(fresh);
        } else {
          body.append(fresh);
        }
        row = fresh;
      }
      for (const type of types) {
        const v = values(m, type);
        const now = last >= 0 ? v[last] : null;
        setField(row.querySelector(`[data-field="${m}-${type}"]`), fmtRate(now), now);
        // A rate per second over a step of `step` seconds: messages = rate * step.
        const total = Math.round(v.reduce((sum, x) => sum + (x || 0) * step, 0));
        setField(row.querySelector(`[data-field="${m}-${type}-total"]`), fmtInt(total), total);
      }
    }
    const caption = table.querySelector('caption');
    const stepEnd = last >= 0 ? new Date((t[last] + step) * 1000) : null;
    caption.textContent = stepEnd
      ? `Messages per second in the ${step} s step ending ${fmtClock(stepEnd)}, and messages in the last 15 minutes`
      : 'Messages per second in the last complete step, and messages in the last 15 minutes';
  }

  // ------------------------------------------------------------------ latency ----

  function renderLatency(lat) {
    if (!lat) {
      throw new Error('no express_latency');
    }
    const sla = lat.sla_ms;
    page.slaMs = sla;
    const p50Node = $('#latency [data-field="p50"]');
    const p99Node = $('#latency [data-field="p99"]');
    // The server reads percentiles from histogram buckets: each is the bound of its bucket, hence "≤".
    setField(p50Node, lat.p50_ms == null ? 'no samples' : `≤ ${fmtRate(lat.p50_ms)} ms`, lat.p50_ms);
    setField(p99Node, lat.p99_ms == null ? 'no samples' : `≤ ${fmtRate(lat.p99_ms)} ms`, lat.p99_ms);
    p99Node.parentElement.classList.toggle('over', lat.p99_ms != null && sla != null && lat.p99_ms > sla);
    setField($('#latency [data-field="sla"]'), sla == null ? '—' : `${fmtInt(sla)} ms`, sla);
    const breaches = $('#latency [data-field="breaches"]');
    setField(breaches, fmtInt(lat.breaches_15m), lat.breaches_15m);
    breaches.parentElement.classList.toggle('over', lat.breaches_15m > 0);
    setField($('#latency [data-field="samples"]'), fmtInt(lat.samples), lat.samples);

    const t = Array.isArray(lat.t) ? lat.t : [];
    const p50 = (lat.p50_ms_series || []).slice(0, t.length);
    const p99 = (lat.p99_ms_series || []).slice(0, t.length);
    const slaLine = t.map(() => (sla == null ? null : sla));
    const over = p99.map((v) => (v != null && sla != null && v > sla ? v : null));
    const data = [t, p50, p99, slaLine, over];
    const container = $('#latency-chart');
    if (!chartsAvailable()) {
      chartUnavailable(container);
    } else if (!page.latencyChart) {
      page.latencyChart = makeChart(container, latencyOptions(container), data);
    } else {
      page.latencyChart.setData(data);
    }
    const windowText = lat.window_seconds ? ` over the last ${Math.round(lat.window_seconds / 60)} min` : '';
    const overCount = over.filter((v) => v != null).length;
    $('#latency-alt').textContent =
      lat.p50_ms == null
        ? `No express messages sent${windowText}. SLA ${fmtInt(sla)} ms.`
        : `p50 at most ${fmtRate(lat.p50_ms)} ms and p99 at most ${fmtRate(lat.p99_ms)} ms${windowText}, SLA ${fmtInt(sla)} ms; ` +
          `${overCount} of ${t.length} windows had p99 over the SLA; ${fmtInt(lat.breaches_15m)} SLA breaches in 15 min.`;
  }

  // ------------------------------------------------------------------ workers ----

  function renderWorkers(workers) {
    // Alive ones first: a process that stopped stays listed for a while (so that its going is seen), below them.
    const processes = [...(workers.processes || [])].sort((a, b) => Number(!!b.alive) - Number(!!a.alive));
    const consumers = workers.consumers || [];
    const alive = processes.filter((p) => p.alive).length;
    setField($('#workers [data-field="processes-alive"]'), `${alive} of ${processes.length}`, alive);
    const perQueue = {};
    for (const c of consumers) {
      perQueue[c.queue] = (perQueue[c.queue] || 0) + 1;
    }
    const consumerText = Object.entries(perQueue).map(([q, n]) => `${q} ${n}`).join(', ') || 'none';
    setField($('#workers [data-field="consumers"]'), consumerText, consumers.length);
    // null: a worker on the simulated provider has no SMPP sessions at all (unlike 0 bound).
    const smpp = processes.filter((p) => p.smpp_sessions_bound != null);
    const bound = smpp.reduce((sum, p) => sum + p.smpp_sessions_bound, 0);
    setField($('#workers [data-field="smpp-sessions"]'), smpp.length ? fmtInt(bound) : 'none (simulated provider)',
      smpp.length ? bound : null);
    const hooks = processes.filter((p) => p.webhook_backlog != null);
    const backlog = hooks.reduce((sum, p) => sum + p.webhook_backlog, 0);
    setField($('#workers [data-field="webhook-backlog"]'), hooks.length ? fmtInt(backlog) : '—', hooks.length ? backlog : null);

    fillTable($('#worker-processes tbody'), processes, 7, 'No worker process reported.', (p) =>
      el(
        'tr',
        { 'data-process': p.id },
        el('th', { scope: 'row', class: 'mono', text: p.id }),
        el('td', { text: p.queue || '—' }),
        el('td', {}, el('span', { class: `badge ${p.alive ? 'running' : 'dead'}`, text: p.alive ? 'alive' : 'gone' })),
        el('td', { class: 'num', text: p.last_seen_ms_ago == null ? '—' : `${fmtMs(p.last_seen_ms_ago)} ago` }),
        el('td', { class: 'num', text: typeof p.consumers === 'number' ? fmtInt(p.consumers) : '—' }),
        el('td', { class: 'num', text: p.smpp_sessions_bound == null ? '—' : fmtInt(p.smpp_sessions_bound) }),
        el('td', { class: 'num', text: p.webhook_backlog == null ? '—' : fmtInt(p.webhook_backlog) }),
      ),
    );
    fillTable($('#worker-consumers tbody'), consumers, 4, 'No consumers.', (c) =>
      el(
        'tr',
        { 'data-consumer': `${c.queue}/${c.name}` },
        el('th', { scope: 'row', class: 'mono', text: c.name }),
        el('td', { text: c.queue }),
        el('td', { class: 'num', text: fmtInt(c.pending) }),
        el('td', { class: 'num', text: fmtMs(c.idle_ms) }),
      ),
    );
  }

  // Rebuilds a table without buttons from scratch: only when its content changed, so text selection survives.
  function fillTable(body, items, columns, emptyText, rowOf) {
    const rows = items.length ? items.map(rowOf) : [el('tr', { class: 'placeholder' }, el('td', { colspan: String(columns), text: emptyText }))];
    const html = rows.map((r) => r.outerHTML).join('');
    if (body.dataset.drawn !== html) {
      body.replaceChildren(...rows);
      body.dataset.drawn = html;
    }
  }

  // ------------------------------------------------------------------ clients ----

  function renderClients(state) {
    setField($('[data-field="total-credit"]'), state.total_credit == null ? '—' : `${fmtInt(state.total_credit)} credits`,
      state.total_credit);
    const asOf = Date.parse(state.credit_as_of);
    $('[data-field="credit-as-of"]').textContent = Number.isFinite(asOf) ? `(as of ${fmtClock(new Date(asOf))})` : '';
    const clients = state.top_clients || [];
    fillTable($('#top-clients tbody'), clients, 3, 'No messages in the last hour.', (c, i) =>
      el(
        'tr',
        { 'data-client': c.client_id },
        el('td', { class: 'num', text: String(i + 1) }),
        el('th', { scope: 'row', text: c.client_id }),
        el('td', { class: 'num', 'data-field': 'messages', 'data-value': String(c.messages), text: fmtInt(c.messages) }),
      ),
    );
  }

  // ------------------------------------------------------------------ dead letters ----

  function addDeadLetterType(type) {
    const select = $('#dead-letter-type');
    if (![...select.options].some((o) => o.value === type)) {
      select.append(el('option', { value: type, text: type }));
    }
  }

  // Fetches the list when it may have changed: the count of the type shown changed, the type changed, after an
  // action (deadStale), and every fifth poll anyway (entries can be replaced with the count unchanged).
  async function refreshDeadLetters(state) {
    const select = $('#dead-letter-type');
    const queues = state.queues || [];
    const countOf = (type) => {
      const queue = queues.find((q) => q.type === type);
      return queue ? queue.dead_letters : null;
    };
    // Until the user picks one, show a queue that has dead letters rather than an empty list.
    if (!page.deadTypeChosen && !(countOf(select.value) > 0)) {
      const withDead = queues.find((q) => q.dead_letters > 0);
      if (withDead) {
        select.value = withDead.type;
      }
    }
    const type = select.value;
    const count = countOf(type);
    page.deadPolls = (page.deadPolls + 1) % 5;
    if (!page.deadStale && type === page.deadType && count === page.deadCount && page.deadPolls !== 0) {
      return;
    }
    const list = await request('GET', `${API}/dead-letters?type=${encodeURIComponent(type)}&count=${DEAD_LETTER_COUNT}`);
    if (select.value !== type) {
      // The user switched while this was on its way: that switch fetches its own list.
      return;
    }
    page.deadType = type;
    page.deadCount = count;
    page.deadStale = false;
    renderDeadLetters(type, list);
  }

  function renderDeadLetters(type, list) {
    const entries = list.dead_letters || [];
    const total = typeof list.total === 'number' ? list.total : entries.length;
    const countText =
      total === 0
        ? `No dead letters in ${type}.`
        : `${fmtInt(total)} dead letter${total === 1 ? '' : 's'} in ${type}${total > entries.length ? `, the oldest ${entries.length} shown` : ''}.`;
    setField($('#dead-letter-count'), countText, total);

    const ids = `${type}:${entries.map((e) => e.entry_id).join(',')}`;
    if (ids === page.deadIds) {
      return;
    }
    page.deadIds = ids;
    const body = $('#dead-letter-table tbody');
    // Where the keyboard focus was, to put it back (or on the next entry) after the rows are redrawn.
    const focused = document.activeElement;
    const focusRow = body.contains(focused) ? focused.closest('tr') : null;
    const focusAction = focusRow ? focused.dataset.action : null;
    const focusIndex = focusRow ? [...body.children].indexOf(focusRow) : -1;

    if (!entries.length) {
      body.replaceChildren(el('tr', { class: 'placeholder' }, el('td', { colspan: '4', text: 'Nothing here.' })));
    } else {
      body.replaceChildren(...entries.map((entry) => deadLetterRow(type, entry)));
    }
    if (focusRow) {
      const same = body.querySelector(`tr[data-entry-id="${CSS.escape(focusRow.dataset.entryId || '')}"] button[data-action="${focusAction}"]`);
      const next = body.children[Math.min(focusIndex, body.children.length - 1)]?.querySelector(`button[data-action="${focusAction}"]`);
      (same || next || $('#dead-letter-type')).focus();
    }
  }

  // A queued entry's fields have one-letter names to keep Redis small (sms-common's MessageCodec): shown here by
  // what they mean, in a useful order; a field not listed is shown under its own name after these.
  const ENTRY_FIELDS = [
    ['c', 'client'],
    ['to', 'to'],
    ['f', 'from'],
    ['b', 'text'],
    ['q', 'queued', 'time'],
    ['x', 'expires', 'time'],
    ['a', 'attempt'],
    ['u', 'credits'],
    ['id', 'message'],
    ['entry', 'original entry'],
  ];

  function entryFieldText(value, kind) {
    if (kind === 'time' && /^\d{12,}$/.test(String(value))) {
      const date = new Date(Number(value));
      return `${date.toLocaleDateString('en-CA')} ${fmtClock(date)}`;
    }
    const text = String(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  }

  function deadLetterRow(type, entry) {
    const fields = entry.fields || {};
    const details = el('ul', { class: 'fields' });
    const known = new Set(['reason']);
    const items = [];
    for (const [key, label, kind] of ENTRY_FIELDS) {
      if (key in fields) {
        known.add(key);
        items.push([label, fields[key], kind]);
      }
    }
    for (const [key, value] of Object.entries(fields)) {
      if (!known.has(key)) {
        items.push([key, value]);
      }
    }
    for (const [label, value, kind] of items) {
      details.append(el('li', {}, el('span', { class: 'k', text: `${label} ` }),
        el('span', { class: 'mono', text: entryFieldText(value, kind), title: String(value) })));
    }
    const label = fields.to ? `dead letter ${entry.entry_id} to ${fields.to}` : `dead letter ${entry.entry_id}`;
    return el(
      'tr',
      { 'data-entry-id': entry.entry_id, 'data-type': type },
      el('th', { scope: 'row', class: 'mono', text: entry.entry_id }),
      el('td', { class: 'reason', text: fields.reason || '(no reason given)' }),
      el(
        'td',
        {},
        el(
          'div',
          { class: 'row-actions' },
          el('button', { type: 'button', 'data-action': 'requeue', 'aria-label': `Requeue ${label}`, text: 'Requeue' }),
          el('button', { type: 'button', class: 'danger', 'data-action': 'discard', 'aria-label': `Discard ${label}`, text: 'Discard' }),
        ),
      ),
      el('td', {}, details),
    );
  }

  // ------------------------------------------------------------------ actions ----

  // Resolves true only when OK was chosen; Cancel, Escape and closing otherwise all mean no.
  function confirmAction(text) {
    const dialog = $('#confirm');
    $('#confirm-text').textContent = text;
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.showModal();
      $('#confirm-cancel').focus();
    });
  }

  async function act(button, question, method, url, describe) {
    if (page.busy) {
      return;
    }
    page.busy = true;
    try {
      if (!(await confirmAction(question))) {
        showNotice('Cancelled: nothing was changed.', 'info');
        return;
      }
      button.disabled = true;
      try {
        const body = await request(method, url);
        showNotice(describe(body), 'ok');
      } catch (e) {
        showNotice(isAuthError(e) ? NOT_AUTHORISED : `Failed: ${sentence(e.message)}.`, 'error');
      } finally {
        button.disabled = false;
      }
      // Show the outcome at once, not at the next tick.
      await forceRefresh();
    } finally {
      page.busy = false;
    }
  }

  async function forceRefresh() {
    page.deadStale = true;
    await poll();
  }

  $('#queues').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) {
      return;
    }
    const type = button.closest('tr').dataset.queue;
    const t = encodeURIComponent(type);
    if (button.dataset.action === 'pause') {
      act(
        button,
        `Pause the ${type} queue? Its workers stop taking new messages within a second; its messages wait until ` +
          'you resume it (express ones can miss the SLA and expire). Nothing is lost.',
        'POST',
        `${API}/queues/${t}/pause`,
        () => `The ${type} queue is paused: its workers take no new messages until it is resumed.`,
      );
    } else {
      act(button, `Resume the ${type} queue? Its workers take messages again at once.`, 'POST', `${API}/queues/${t}/resume`,
        () => `The ${type} queue runs again.`);
    }
  });

  $('#dead-letter-table').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) {
      return;
    }
    const row = button.closest('tr');
    const type = row.dataset.type;
    const id = row.dataset.entryId;
    const path = `${API}/dead-letters/${encodeURIComponent(type)}/${encodeURIComponent(id)}`;
    if (button.dataset.action === 'requeue') {
      act(button, `Requeue dead letter ${id} from ${type}? It is sent again as a new message, charged to its client.`,
        'POST', `${path}/requeue`,
        (body) => `Dead letter ${id} requeued as message ${body && body.id ? body.id : '(no id returned)'}.`);
    } else {
      act(button, `Discard dead letter ${id} from ${type}? It is deleted for good and never sent.`, 'DELETE', path,
        () => `Dead letter ${id} discarded.`);
    }
  });

  $('#dead-letter-type').addEventListener('change', () => {
    page.deadTypeChosen = true;
    forceRefresh();
  });

  // A hidden tab does not poll (the browser would throttle it anyway); it refreshes as soon as it is shown again.
  document.addEventListener('visibilitychange', () => {
    if (page.stopped) {
      return;
    }
    if (document.hidden) {
      clearTimeout(page.timer);
      page.timer = null;
    } else {
      poll();
    }
  });

  poll();
})();
