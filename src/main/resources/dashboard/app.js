/*
 * Vigil dashboard. Plain JS, no build step. Every URL is relative so the page works under any
 * admin prefix. Polls health, memory and recent requests every REFRESH_MS while the tab is
 * visible. Every field may be null or missing: each render step guards itself.
 * Test hooks: window.__vigilReady turns true after the first complete render; window.__vigil
 * exposes the Chart instances.
 */
(function () {
  'use strict';

  var REFRESH_MS = 3000;
  var FETCH_TIMEOUT_MS = 5000;
  var RATE_POINTS = 120;          // rolling client-side series, bounded
  var TREND_WINDOW_MS = 30 * 60e3; // contract default memory.trend.window
  var state = { timer: null, busy: false, rate: [], lastRateKey: null, renders: 0 };
  var charts = {};
  window.__vigilReady = false;
  window.__vigil = { charts: charts, state: state };

  // ---------- small helpers ----------
  function $(id) { return document.getElementById(id); }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
  function fmt(v, digits, unit) {
    var n = num(v);
    if (n === null) return '–';
    return n.toFixed(digits === undefined ? 1 : digits) + (unit ? ' ' + unit : '');
  }
  function fmtDuration(seconds) {
    var s = num(seconds);
    if (s === null) return '–';
    if (s < 90) return Math.round(s) + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }
  function fmtBytes(v) {
    var n = num(v);
    if (n === null) return '–';
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  function parseTime(t) {
    if (typeof t === 'number') return t < 1e12 ? t * 1000 : t; // epoch seconds or millis
    if (typeof t === 'string') { var ms = Date.parse(t); return isNaN(ms) ? null : ms; }
    return null;
  }
  function clock(ms) {
    if (ms === null) return '–';
    var d = new Date(ms);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function hhmm(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  function obj(v) { return v && typeof v === 'object' ? v : {}; }
  /** A tick step of whole minutes or hours that gives about five ticks over the range. */
  function niceTimeStep(rangeMs) {
    var steps = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440];
    for (var i = 0; i < steps.length; i++) {
      if (rangeMs / (steps[i] * 60e3) <= 6) return steps[i] * 60e3;
    }
    return 1440 * 60e3;
  }
  /** Fixes a time axis to [min, max] (at least one minute wide), or hides its ticks when there is no data. */
  function setTimeRange(axis, min, max) {
    if (min === null || max === null) {
      delete axis.min; delete axis.max; delete axis.ticks.stepSize;
      axis.ticks.display = false;
      return;
    }
    axis.ticks.display = true;
    axis.max = max;
    axis.min = Math.min(min, max - 60e3);
    axis.ticks.stepSize = niceTimeStep(axis.max - axis.min);
  }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function text(id, value) { var el = $(id); if (el) el.textContent = value; }
  function setFacts(id, rows) {
    var dl = $(id);
    if (!dl) return;
    dl.textContent = '';
    rows.forEach(function (row) {
      var dt = document.createElement('dt');
      var dd = document.createElement('dd');
      dt.textContent = row[0];
      dd.textContent = row[1];
      if (row[2]) dd.className = row[2];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
  }

  function getJson(url) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, FETCH_TIMEOUT_MS);
    // /health answers 503 when unhealthy but still carries the JSON body: accept any status with JSON.
    return fetch(url, { cache: 'no-store', signal: ctrl.signal, headers: { Accept: 'application/json' } })
      .then(function (res) { return res.json(); })
      .finally(function () { clearTimeout(timer); });
  }

  // ---------- charts ----------
  function palette() {
    return {
      fg: css('--fg'), muted: css('--muted'), line: css('--line'), accent: css('--accent'),
      trend: css('--trend'), limit: css('--limit'), ok: css('--ok'), warn: css('--warn'), bad: css('--bad')
    };
  }

  function baseOptions(p) {
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { labels: { color: p.fg, boxWidth: 14 } } }
    };
  }
  /** Legend entries only for series that have data (no "Limit reached" without a projection). */
  function nonEmpty(item, data) {
    var ds = data.datasets && data.datasets[item.datasetIndex];
    return !ds || !Array.isArray(ds.data) || ds.data.length > 0 || item.datasetIndex === 0;
  }
  /** Lines of many points need no markers; a line of one or two would be invisible without them. */
  function fewPoints(ctx) { return ctx.dataset.data.length < 3 ? 3 : 0; }

  function createCharts() {
    if (typeof Chart === 'undefined') throw new Error('Chart.js did not load (assets/chart.umd.js)');
    var p = palette();
    Chart.defaults.color = p.muted;
    Chart.defaults.borderColor = p.line;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

    // A fresh object per chart: each one sets its own tick step.
    var timeAxis = function () { return {
      type: 'linear',
      ticks: { maxTicksLimit: 7, maxRotation: 0, autoSkipPadding: 16, callback: function (v) { return hhmm(v); } },
      grid: { color: p.line }
    }; };

    charts.memory = new Chart($('memory-chart'), {
      type: 'line',
      data: { datasets: [
        { label: 'RSS (MiB)', data: [], borderColor: p.accent, backgroundColor: p.accent + '33',
          fill: true, pointRadius: fewPoints, borderWidth: 2 },
        { label: 'Trend', data: [], borderColor: p.trend, borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
        { label: 'Limit', data: [], borderColor: p.limit, borderWidth: 1.5, pointRadius: 0 },
        { label: 'Limit reached', data: [], borderColor: p.limit, backgroundColor: p.limit,
          pointRadius: 6, pointStyle: 'crossRot', showLine: false },
        { label: 'App restarted', data: [], borderColor: p.limit, backgroundColor: p.limit,
          pointRadius: 7, pointStyle: 'triangle', showLine: false },
        { label: 'App recycled', data: [], borderColor: p.trend, backgroundColor: p.trend,
          pointRadius: 7, pointStyle: 'rectRot', showLine: false }
      ] },
      options: Object.assign(baseOptions(p), {
        parsing: false, normalized: true,
        interaction: { mode: 'nearest', intersect: false },
        scales: { x: timeAxis(), y: { title: { display: true, text: 'MiB' }, beginAtZero: false } },
        plugins: {
          legend: { labels: { color: p.fg, boxWidth: 14, filter: nonEmpty } },
          tooltip: { callbacks: {
            title: function (items) { return items.length ? clock(items[0].parsed.x) : ''; },
            label: function (item) { return item.dataset.label + ': ' + fmt(item.parsed.y, 1, 'MiB'); }
          } }
        }
      })
    });

    charts.rate = new Chart($('rate-chart'), {
      type: 'line',
      data: { datasets: [
        { label: 'Requests / s', data: [], borderColor: p.accent, backgroundColor: p.accent,
          pointRadius: fewPoints, borderWidth: 2, yAxisID: 'y' },
        { label: 'Errors (%)', data: [], borderColor: p.bad, backgroundColor: p.bad,
          pointRadius: fewPoints, borderWidth: 2, yAxisID: 'y1' }
      ] },
      options: Object.assign(baseOptions(p), {
        parsing: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: timeAxis(),
          y: { beginAtZero: true, title: { display: true, text: 'req/s' } },
          y1: { beginAtZero: true, position: 'right', suggestedMax: 5, grid: { drawOnChartArea: false },
                title: { display: true, text: 'errors %' } }
        }
      })
    });

    charts.latency = new Chart($('latency-chart'), {
      type: 'bar',
      data: { labels: ['p50', 'p90', 'p99', 'p99.9', 'max'],
              datasets: [{ label: 'ms', data: [0, 0, 0, 0, 0],
                           backgroundColor: [p.ok, p.accent, p.warn, p.bad, p.muted] }] },
      options: Object.assign(baseOptions(p), {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' }, ticks: { callback: function (v) {
          // On the log scale label only 1, 2, 5 times a power of ten.
          if (this.type !== 'logarithmic') return v;
          var lead = v / Math.pow(10, Math.floor(Math.log10(v)));
          return [1, 2, 5].some(function (d) { return Math.abs(lead - d) < 1e-6; }) ? v : '';
        } } } }
      })
    });

    charts.classes = new Chart($('classes-chart'), {
      type: 'doughnut',
      data: { labels: ['1xx', '2xx', '3xx', '4xx', '5xx'],
              datasets: [{ data: [0, 0, 0, 0, 0], borderWidth: 0,
                           backgroundColor: [p.muted, p.ok, p.accent, p.warn, p.bad] }] },
      options: Object.assign(baseOptions(p), {
        cutout: '60%',
        plugins: { legend: { position: 'right', labels: { color: p.fg, boxWidth: 14 } } }
      })
    });
  }

  // ---------- health ----------
  function renderStatus(h) {
    var status = ['healthy', 'degraded', 'unhealthy'].indexOf(h.status) >= 0 ? h.status : 'unknown';
    var badge = $('status-badge');
    badge.className = 'badge badge-' + status;
    badge.textContent = status;
    $('issues-section').className = 'card issues state-' + status;
    document.title = 'Vigil · ' + status;

    var box = $('issues');
    var issues = Array.isArray(h.issues) ? h.issues.filter(function (i) { return i !== null && i !== undefined; }) : [];
    box.textContent = '';
    if (issues.length === 0) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No issues: everything Vigil watches looks fine.';
      box.appendChild(p);
    } else {
      var ul = document.createElement('ul');
      issues.forEach(function (issue) {
        var li = document.createElement('li');
        li.textContent = String(issue);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    var ts = parseTime(h.timestamp);
    text('updated', 'updated ' + clock(ts === null ? Date.now() : ts) +
         (num(h.uptime_s) !== null ? ' · up ' + fmtDuration(h.uptime_s) : ''));
    text('upstream-url', obj(h.upstream).url || '');
  }

  function renderProxy(h) {
    var proxy = obj(h.proxy);
    var errRate = num(proxy.error_rate_1m);
    text('kpi-rps', fmt(proxy.rps_1m, 1));
    text('kpi-rps-sub', '1-min avg · ' + (num(proxy.requests_total) !== null ? proxy.requests_total + ' total' : '–') +
         (num(proxy.in_flight) !== null ? ' · ' + proxy.in_flight + ' in flight' : ''));
    text('kpi-err', errRate === null ? '–' : (errRate * 100).toFixed(2) + ' %');
    var rejected = obj(proxy.rejected);
    var rejectedTotal = Object.keys(rejected).reduce(function (a, k) { return a + (num(rejected[k]) || 0); }, 0);
    text('kpi-err-sub', '5xx, 1 min · ' + rejectedTotal + ' rejected by Vigil');

    // Rate series: prefer the server's per-second history when it is there, else accumulate here.
    var series = Array.isArray(proxy.last_seconds) ? proxy.last_seconds : null;
    var rps = [], err = [];
    if (series) {
      series.forEach(function (s) {
        var t = parseTime(obj(s).t), r = num(obj(s).requests), e = num(obj(s).errors);
        if (t === null || r === null) return;
        rps.push({ x: t, y: r });
        err.push({ x: t, y: r > 0 && e !== null ? 100 * e / r : 0 });
      });
    } else {
      var key = h.timestamp || Date.now();
      if (num(proxy.rps_1m) !== null && key !== state.lastRateKey) {
        state.lastRateKey = key;
        var now = parseTime(h.timestamp);
        state.rate.push({ t: now === null ? Date.now() : now, rps: proxy.rps_1m, err: (errRate || 0) * 100 });
        if (state.rate.length > RATE_POINTS) state.rate.splice(0, state.rate.length - RATE_POINTS);
      }
      state.rate.forEach(function (s) { rps.push({ x: s.t, y: s.rps }); err.push({ x: s.t, y: s.err }); });
    }
    setTimeRange(charts.rate.options.scales.x, rps.length ? rps[0].x : null, rps.length ? rps[rps.length - 1].x : null);
    charts.rate.data.datasets[0].data = rps;
    charts.rate.data.datasets[1].data = err;
    charts.rate.update('none');

    var lat = obj(proxy.latency_ms);
    var latValues = ['p50', 'p90', 'p99', 'p999', 'max'].map(function (k) { return num(lat[k]) || 0; });
    charts.latency.data.datasets[0].data = latValues;
    // Tails are often 100x the median: a log scale keeps p50 visible, but only when there is data.
    var positive = latValues.every(function (v) { return v > 0; });
    var ly = charts.latency.options.scales.y;
    ly.type = positive ? 'logarithmic' : 'linear';
    ly.beginAtZero = !positive;
    if (positive) ly.min = Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, latValues))));
    else delete ly.min;
    charts.latency.update('none');
    text('latency-values', 'p50 ' + fmt(lat.p50) + ' · p90 ' + fmt(lat.p90) + ' · p99 ' + fmt(lat.p99) +
         ' · p99.9 ' + fmt(lat.p999) + ' · max ' + fmt(lat.max) + ' ms');
    $('latency-chart').setAttribute('aria-label', 'Latency ms: p50 ' + fmt(lat.p50) + ', p90 ' + fmt(lat.p90) +
      ', p99 ' + fmt(lat.p99) + ', p99.9 ' + fmt(lat.p999) + ', max ' + fmt(lat.max));

    var classes = obj(proxy.status_classes);
    var classNames = ['1xx', '2xx', '3xx', '4xx', '5xx'];
    var counts = classNames.map(function (k) { return num(classes[k]) || 0; });
    var total = counts.reduce(function (a, b) { return a + b; }, 0);
    charts.classes.data.labels = classNames.map(function (k, i) {
      return k + '  ' + counts[i] + (total > 0 ? ' (' + (100 * counts[i] / total).toFixed(1) + ' %)' : '');
    });
    charts.classes.data.datasets[0].data = counts;
    text('classes-note', total > 0 ? total + ' responses since start' : 'No responses yet.');
    charts.classes.update('none');
  }

  function renderFacts(h) {
    var k = obj(h.keepalive);
    var result = k.last_result || 'none';
    var resultClass = result === 'failed' ? 'bad' : (result === 'ok' || result === 'skipped_traffic' ? 'ok' : '');
    setFacts('keepalive', k.enabled === false ? [['State', 'disabled']] : [
      ['Last result', result.replace('_', ' '), resultClass],
      ['Last ping', k.last_ping ? clock(parseTime(k.last_ping)) : '–'],
      ['Next ping in', fmtDuration(k.next_ping_in_s)],
      ['Interval', fmtDuration(k.interval_s)],
      ['Pings / skipped', (num(k.pings_total) === null ? '–' : k.pings_total) + ' / ' + (num(k.skipped_total) === null ? '–' : k.skipped_total)],
      ['Failures in a row', num(k.consecutive_failures) === null ? '–' : String(k.consecutive_failures), k.consecutive_failures > 0 ? 'bad' : ''],
      ['Target', k.target || '–']
    ]);

    var u = obj(h.upstream), r = obj(h.redis), s = obj(h.sidecar);
    var reqBuf = obj(obj(s.buffers).requests);
    setFacts('system', [
      ['Upstream', u.reachable === true ? 'reachable' : (u.reachable === false ? 'unreachable' : 'not checked yet'),
        u.reachable === true ? 'ok' : (u.reachable === false ? 'bad' : '')],
      ['Check failures', num(u.consecutive_failures) === null ? '–' : String(u.consecutive_failures)],
      ['Redis', r.mode || (r.enabled ? 'redis' : 'disabled'),
        r.mode === 'fallback-memory' ? 'warn' : (r.mode === 'redis' ? 'ok' : '')],
      ['Sidecar heap / RSS', fmt(s.heap_used_mib, 1) + ' / ' + fmt(s.rss_mib, 1) + ' MiB'],
      ['Request buffer', (num(reqBuf.size) === null ? '–' : reqBuf.size) + ' / ' + (num(reqBuf.capacity) === null ? '–' : reqBuf.capacity)]
    ]);
  }

  // ---------- memory ----------
  /** Least-squares line through (x ms, y MiB); slope in MiB per ms. Null when under 2 points. */
  function fit(points, slopeOverride) {
    var n = points.length;
    if (n < 2) return null;
    var mx = 0, my = 0;
    points.forEach(function (pt) { mx += pt.x; my += pt.y; });
    mx /= n; my /= n;
    var slope = slopeOverride;
    if (slope === null) {
      var sxy = 0, sxx = 0;
      points.forEach(function (pt) { sxy += (pt.x - mx) * (pt.y - my); sxx += (pt.x - mx) * (pt.x - mx); });
      slope = sxx > 0 ? sxy / sxx : 0;
    }
    return { slope: slope, at: function (x) { return my + slope * (x - mx); } };
  }

  // Restarts and recycles seen in the health app block, kept across polls (the block only says the
  // last of each), at most MAX_EVENTS of each kind.
  var MAX_EVENTS = 20;
  state.events = { restart: [], recycle: [] };

  function remember(list, t) {
    if (t !== null && list.indexOf(t) < 0) {
      list.push(t);
      if (list.length > MAX_EVENTS) list.shift();
    }
  }

  /** A marker on the memory line at each restart and recycle that falls within the samples. */
  function markEvents(h, samples, ds) {
    var app = obj(h && h.app);
    remember(state.events.restart, parseTime(obj(app.last_restart).t));
    remember(state.events.recycle, parseTime(obj(obj(app.recycles).last).t));
    var first = samples[0].x, last = samples[samples.length - 1].x;
    function at(t) {
      var y = samples[0].y;
      samples.forEach(function (pt) { if (pt.x <= t) y = pt.y; });
      return { x: t, y: y };
    }
    function within(t) { return t >= first && t <= last; }
    ds[4].data = state.events.restart.filter(within).sort(function (a, b) { return a - b; }).map(at);
    ds[5].data = state.events.recycle.filter(within).sort(function (a, b) { return a - b; }).map(at);
  }

  function renderMemory(m, h) {
    m = obj(m);
    var hm = obj(h && h.memory);
    var memState = m.state || hm.state || 'unknown';
    var pill = $('memory-state');
    pill.className = 'pill pill-' + (['ok', 'warning', 'critical'].indexOf(memState) >= 0 ? memState : 'unknown');
    pill.textContent = memState + (m.leak_suspected ? ' · leak suspected' : '');

    var rss = num(m.rss_mib) !== null ? m.rss_mib : num(hm.rss_mib);
    var limit = num(m.limit_mib) !== null ? m.limit_mib : num(hm.limit_mib);
    var trendPerHour = num(m.trend_mib_per_hour) !== null ? m.trend_mib_per_hour : num(hm.trend_mib_per_hour);
    var projected = num(m.projected_limit_in_s) !== null ? m.projected_limit_in_s : num(hm.projected_limit_in_s);

    text('kpi-rss', fmt(rss, 1, 'MiB'));
    text('kpi-rss-sub', limit === null ? 'limit unknown'
      : 'of ' + fmt(limit, 0, 'MiB') + (rss !== null ? ' (' + (100 * rss / limit).toFixed(1) + ' %)' : ''));
    text('kpi-trend', trendPerHour === null ? '–' : (trendPerHour > 0 ? '+' : '') + trendPerHour.toFixed(1) + ' MiB/h');
    text('kpi-trend-sub', projected === null ? 'no limit in sight' : 'limit in about ' + fmtDuration(projected));

    var samples = (Array.isArray(m.samples) ? m.samples : []).map(function (s) {
      return { x: parseTime(obj(s).t), y: num(obj(s).rss_mib) };
    }).filter(function (pt) { return pt.x !== null && pt.y !== null; })
      .sort(function (a, b) { return a.x - b.x; });

    var ds = charts.memory.data.datasets;
    ds[0].data = samples;
    ds[1].data = [];
    ds[2].data = [];
    ds[3].data = [];
    ds[4].data = [];
    ds[5].data = [];

    if (samples.length > 0) {
      var first = samples[0].x, last = samples[samples.length - 1].x;
      var span = Math.max(last - first, 60e3);
      var inWindow = samples.filter(function (pt) { return pt.x >= last - TREND_WINDOW_MS; });
      var line = fit(inWindow, trendPerHour === null ? null : trendPerHour / 3600e3);
      var end = last;
      if (line) {
        // Extend the trend to the limit, but not so far that the measured samples shrink to a sliver.
        var horizon = Math.max(3 * span, 2 * 3600e3);
        var toLimit = projected !== null ? projected * 1000 : null;
        var ahead = toLimit !== null && toLimit <= horizon ? toLimit : (line.slope > 0 ? Math.min(span, horizon) : 0);
        end = last + ahead;
        var startX = inWindow[0].x;
        ds[1].data = [{ x: startX, y: line.at(startX) }, { x: end, y: toLimit !== null && ahead === toLimit && limit !== null ? limit : line.at(end) }];
        if (toLimit !== null && ahead === toLimit && limit !== null) ds[3].data = [{ x: end, y: limit }];
      }
      if (limit !== null) ds[2].data = [{ x: first, y: limit }, { x: end, y: limit }];
      markEvents(h, samples, ds);
      setTimeRange(charts.memory.options.scales.x, first, end);
    } else {
      setTimeRange(charts.memory.options.scales.x, null, null);
    }
    charts.memory.update('none');

    var r2 = num(m.r2);
    var note = samples.length === 0 ? 'No memory samples yet.'
      : samples.length + ' samples' + (r2 !== null ? ' · fit R² ' + r2.toFixed(2) : '') +
        (num(m.floor_trend_mib_per_hour) !== null ? ' · floor trend ' + m.floor_trend_mib_per_hour.toFixed(1) + ' MiB/h' : '') +
        (Array.isArray(m.cleanups) && m.cleanups.length ? ' · ' + m.cleanups.length + ' cleanup(s)' : '') +
        (projected !== null ? ' · limit reached around ' + hhmm(samples[samples.length - 1].x + projected * 1000) : '');
    text('memory-note', note);
    $('memory-chart').setAttribute('aria-label', 'App memory over time: ' + note +
      (rss !== null ? ' Current ' + fmt(rss, 1, 'MiB') + '.' : ''));
  }

  // ---------- leak attribution ----------
  function fmtPerRequest(mib) {
    return mib >= 0.1 ? mib.toFixed(2) + ' MiB' : (mib * 1024).toFixed(1) + ' KiB';
  }

  function renderAttribution(m) {
    m = obj(m);
    var rows = Array.isArray(m.attribution) ? m.attribution : [];
    var unexplained = num(m.unexplained_mib_per_hour);
    text('attribution-unexplained', unexplained === null ? '' : 'growth no route explains: ' + fmt(unexplained, 1, 'MiB/h'));
    fillTable($('attribution').tBodies[0], rows, 5, !m.leak_suspected ? 'No leak suspected.'
      : 'A leak is suspected, but no route\'s traffic explains it (yet).', function (a) {
      var share = num(a.share_of_growth);
      var per = num(a.mib_per_request);
      return [
        [a.method || '–', ''],
        [a.route || '–', 'path'],
        [per === null ? '–' : fmtPerRequest(per), 'num'],
        [share === null ? '–' : Math.round(share * 100) + ' %', 'num'],
        [num(a.requests) === null ? '–' : String(a.requests), 'num opt']
      ];
    });
  }

  /** Replaces a table body: one row of [text, class] cells per item, or one muted line when there is none. */
  function fillTable(tbody, items, columns, emptyText, cellsOf) {
    var frag = document.createDocumentFragment();
    if (items.length === 0) {
      var empty = document.createElement('tr');
      var cell = document.createElement('td');
      cell.colSpan = columns; cell.className = 'muted'; cell.textContent = emptyText;
      empty.appendChild(cell);
      frag.appendChild(empty);
    }
    items.forEach(function (item) {
      var tr = document.createElement('tr');
      cellsOf(obj(item)).forEach(function (c) {
        var td = document.createElement('td');
        td.textContent = c[0];
        if (c[1]) td.className = c[1];
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    tbody.textContent = '';
    tbody.appendChild(frag);
  }

  // ---------- requests ----------
  function renderRequests(r) {
    r = obj(r);
    var rows = Array.isArray(r.requests) ? r.requests : [];
    text('requests-count', rows.length + (num(r.capacity) !== null ? ' of up to ' + r.capacity + ' kept' : ''));
    fillTable($('requests').tBodies[0], rows, 7, 'No requests yet.', function (q) {
      var status = num(q.status);
      return [
        [clock(parseTime(q.t)), ''],
        [q.method || '–', ''],
        [q.path || q.route || '–', 'path'],
        [status === null ? '–' : String(status), 'num s' + (status === null ? '' : String(status).charAt(0))],
        [fmt(q.latency_ms, 1, 'ms'), 'num'],
        [fmtBytes(q.bytes_out), 'num opt'],
        [q.rejected ? String(q.rejected).replace('_', ' ') : '', 'opt']
      ];
    });
  }

  // ---------- refresh loop ----------
  function settle(p) {
    return p.then(function (v) { return { ok: true, value: v }; }, function (e) { return { ok: false, error: e }; });
  }

  function refresh() {
    if (state.busy) return Promise.resolve();
    state.busy = true;
    return Promise.all([settle(getJson('health')), settle(getJson('memory')), settle(getJson('requests?limit=50'))])
      .then(function (res) {
        var health = res[0].ok ? obj(res[0].value) : null;
        var failed = [];
        if (health) { renderStatus(health); renderProxy(health); renderFacts(health); } else failed.push('health');
        if (res[1].ok || health) renderMemory(res[1].ok ? res[1].value : null, health); 
        if (res[1].ok) renderAttribution(res[1].value);
        if (!res[1].ok) failed.push('memory');
        if (res[2].ok) renderRequests(res[2].value); else failed.push('requests');
        // A failed poll is expected while the sidecar restarts: tell the reader, not the console.
        text('error-banner', failed.length ? ' · could not load ' + failed.join(', ') + ' at ' + clock(Date.now()) : '');
        if (failed.length === 0) {
          state.renders++;
          window.__vigilReady = true;
        }
      })
      .finally(function () { state.busy = false; });
  }

  function schedule() {
    clearTimeout(state.timer);
    if (document.hidden) return;
    state.timer = setTimeout(function () { refresh().finally(schedule); }, REFRESH_MS);
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) clearTimeout(state.timer);
    else refresh().finally(schedule);
  });

  // Chart colours are read from CSS once; a scheme switch simply reloads the page.
  if (window.matchMedia) {
    var scheme = window.matchMedia('(prefers-color-scheme: dark)');
    if (scheme.addEventListener) scheme.addEventListener('change', function () { location.reload(); });
  }

  createCharts();
  refresh().finally(schedule);
})();
