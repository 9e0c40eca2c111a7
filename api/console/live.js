/* qingkong console: the live layer. Drones and crewed traffic moving on the map (pushed by
 * GET /v1/traffic/stream), coloured by conformance state; the approved plan and the flown track
 * of a selected flight side by side; an alert panel (conformance and tactical) with
 * acknowledge. Both streams are server-sent events read through fetch, because EventSource
 * cannot send the API key. The basemap (QINGKONG_BASEMAP_URL) is set up here too.
 *
 * It rides on app.js: window.qk holds the map, the key, the caller and the translations;
 * the layer starts once app.js marks the page ready (body[data-ready]). window.qkLive holds
 * its state for the browser tests. */
(function () {
  'use strict';

  var COLORS = {
    activated: '#1a9850', nonconforming: '#f08c00', contingent: '#d73027',
    accepted: '#2c7fb8', no_flight: '#7b3294', ended: '#8a8a8a'
  };
  var KM_PER_DEGREE = 111.32;
  var live = {
    tracks: {}, alerts: [], conflicts: {}, selected: null, acked: {}, snapshots: 0,
    streams: {}, layer: null, lines: null, sel: null
  };
  window.qkLive = live;

  function qk() { return window.qk; }
  function $(id) { return document.getElementById(id); }
  function t(key, vars) {
    var q = qk();
    var s = (q.strings[q.lang] || {})[key] || (q.strings.en || {})[key] || key;
    return s.replace(/\{(\w+)\}/g, function (_, n) { return vars && vars[n] != null ? vars[n] : ''; });
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'onclick') e.addEventListener('click', attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function fmtIso(iso) {
    return new Intl.DateTimeFormat(qk().lang, {
      timeZone: qk().cfg.timezone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'
    }).format(new Date(Date.parse(iso)));
  }
  function isFull() {
    var r = qk().me.role;
    return r === 'regulator' || r === 'admin' || r === 'police';
  }

  // -- server-sent events over fetch ------------------------------------------------------------
  function sse(name, path, onEvent) {
    if (live.streams[name]) live.streams[name].abort();
    var ctrl = new AbortController();
    live.streams[name] = ctrl;
    function again() {
      if (live.streams[name] === ctrl && !ctrl.signal.aborted) {
        setTimeout(function () { if (live.streams[name] === ctrl) sse(name, path, onEvent); }, 1000);
      }
    }
    fetch(typeof path === 'function' ? path() : path, {
      headers: { Authorization: 'Bearer ' + qk().key, Accept: 'text/event-stream' }, signal: ctrl.signal
    }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      var reader = r.body.getReader();
      var dec = new TextDecoder();
      var buf = '';
      function pump() {
        return reader.read().then(function (res) {
          if (res.done) { again(); return null; }
          buf += dec.decode(res.value, { stream: true });
          var i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            var block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            var ev = { event: 'message', data: '', id: null };
            block.split('\n').forEach(function (line) {
              if (line.indexOf('event: ') === 0) ev.event = line.slice(7);
              else if (line.indexOf('data: ') === 0) ev.data += line.slice(6);
              else if (line.indexOf('id: ') === 0) ev.id = line.slice(4);
            });
            if (ev.data) onEvent(ev.event, JSON.parse(ev.data), ev.id);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () { again(); });
  }

  // -- the traffic stream -----------------------------------------------------------------------
  /* The map's view as a bbox, shrunk around its centre to the caller's area limit. */
  function viewBox() {
    var b = qk().map.getBounds();
    var c = b.getCenter();
    var limits = qk().cfg.traffic || {};
    var max = (isFull() || qk().me.role === 'operator') ? limits.max_area_full_km2 : limits.max_area_km2;
    var w = b.getEast() - b.getWest();
    var h = b.getNorth() - b.getSouth();
    var area = w * KM_PER_DEGREE * h * KM_PER_DEGREE * Math.cos(c.lat * Math.PI / 180);
    if (max && area > max * 0.98) {
      var k = Math.sqrt(max * 0.98 / area);
      w *= k; h *= k;
    }
    return [c.lng - w / 2, c.lat - h / 2, c.lng + w / 2, c.lat + h / 2].map(function (v) {
      return v.toFixed(5);
    }).join(',');
  }
  function trafficPath() { return '/v1/traffic/stream?max_s=3600&bbox=' + viewBox(); }

  function trackKey(tr) { return tr.details ? tr.details.track : null; }
  function colorOf(tr) {
    if (tr.kind === 'crewed') return '#1b1f5e';
    if (tr.kind === 'uncooperative') return '#111';
    return COLORS[tr.conformance] || '#666';
  }
  function iconHtml(tr) {
    var rot = tr.current_state.track <= 360 ? tr.current_state.track : 0;
    return '<div class="qk-track qk-' + tr.kind + '" data-id="' + tr.id + '" data-kind="' + tr.kind +
      '" data-conformance="' + (tr.conformance || '') + '" data-own="' + (tr.details ? '1' : '0') +
      '" style="--c:' + colorOf(tr) + ';transform:rotate(' + rot + 'deg)"></div>';
  }
  function tooltip(tr) {
    var s = tr.current_state;
    var who = tr.kind === 'drone' ? t('live.conformance.' + (tr.conformance || 'none')) : t('live.kind.' + tr.kind);
    var lines = [who, t('live.height', { m: s.position.height.distance.toFixed(0) })];
    if (s.speed !== 255) lines.push(t('live.speed', { v: s.speed.toFixed(1) }));
    if (tr.details && tr.details.flight) lines.push(t('live.flight', { flight: tr.details.flight }));
    if (tr.details && tr.details.operator_id) lines.push(t('live.operator', { op: tr.details.operator_id }));
    if (tr.details && tr.details.sensor) lines.push(t('live.sensor', { sensor: tr.details.sensor }));
    return lines.join('<br>');
  }
  function onTraffic(_event, body) {
    var seen = {};
    live.snapshots += 1;
    body.tracks.forEach(function (tr) {
      seen[tr.id] = true;
      var p = tr.current_state.position;
      var ll = [p.lat, p.lng];
      var m = live.tracks[tr.id];
      if (!m) {
        m = L.marker(ll, {
          pane: 'live', keyboard: false,
          icon: L.divIcon({ className: 'qk-track-icon', html: iconHtml(tr), iconSize: [16, 16] })
        }).addTo(live.layer);
        m.on('click', function () { select(tr.id); });
        m.bindTooltip('', { direction: 'top', offset: [0, -8] });
        live.tracks[tr.id] = m;
      } else {
        m.setLatLng(ll);
        m.setIcon(L.divIcon({ className: 'qk-track-icon', html: iconHtml(tr), iconSize: [16, 16] }));
      }
      m.track = tr;
      m.setTooltipContent(tooltip(tr));
      if (live.selected === tr.id && live.sel && live.sel.actual) live.sel.actual.addLatLng(ll);
    });
    Object.keys(live.tracks).forEach(function (id) {
      if (!seen[id]) { live.layer.removeLayer(live.tracks[id]); delete live.tracks[id]; }
    });
    drawConflicts();
    $('live-count').textContent = t('live.count', { n: body.tracks.length, time: fmtIso(body.time) });
  }

  // -- conflicts: both tracks marked and joined ---------------------------------------------------
  function markerOfKey(key) {
    var found = null;
    Object.keys(live.tracks).forEach(function (id) {
      if (trackKey(live.tracks[id].track) === key) found = live.tracks[id];
    });
    return found;
  }
  function drawConflicts() {
    live.lines.clearLayers();
    Object.keys(live.tracks).forEach(function (id) {
      var e = live.tracks[id].getElement();
      var div = e && e.firstChild;
      if (div) div.classList.remove('conflict');
    });
    Object.keys(live.conflicts).forEach(function (enc) {
      var pair = live.conflicts[enc].map(markerOfKey);
      pair.forEach(function (m) {
        var div = m && m.getElement() && m.getElement().firstChild;
        if (div) div.classList.add('conflict');
      });
      if (pair[0] && pair[1]) {
        L.polyline([pair[0].getLatLng(), pair[1].getLatLng()], {
          pane: 'live', color: '#d73027', weight: 2, dashArray: '6 4', className: 'qk-conflict-line'
        }).addTo(live.lines);
      }
    });
  }

  // -- the selected flight: plan and flown track ---------------------------------------------------
  function api(path) {
    return fetch('/v1' + path, { headers: { Authorization: 'Bearer ' + qk().key } }).then(function (r) {
      return r.ok ? r.json() : null;
    });
  }
  function select(id) {
    live.selected = id;
    if (live.sel) { live.sel.group.remove(); }
    var group = L.layerGroup().addTo(qk().map);
    live.sel = { group: group, plan: null, actual: null };
    var info = $('live-selected');
    info.innerHTML = '';
    api('/traffic/' + encodeURIComponent(id)).then(function (tr) {
      if (!tr || live.selected !== id) return;
      info.appendChild(el('div', { class: 'title', text: tooltipText(tr) }));
      if (!tr.plan || !tr.plan.trajectory) {
        info.appendChild(el('div', { class: 'muted', text: t(tr.details ? 'live.noplan' : 'live.anonymous') }));
        return;
      }
      live.sel.plan = L.polyline(tr.plan.trajectory.map(function (r) { return [r[1], r[0]]; }), {
        pane: 'live', color: '#2c7fb8', weight: 3, dashArray: '8 6', className: 'qk-plan'
      }).addTo(group);
      live.sel.actual = L.polyline([], {
        pane: 'live', color: colorOf(tr), weight: 3, className: 'qk-actual'
      }).addTo(group);
      info.appendChild(el('div', {}, [
        el('span', { class: 'swatch line', style: 'border-color:#2c7fb8;border-top-style:dashed' }),
        el('span', { text: ' ' + t('live.plan') + '  ' }),
        el('span', { class: 'swatch line', style: 'border-color:' + colorOf(tr) }),
        el('span', { text: ' ' + t('live.actual') })
      ]));
      return api('/flights/' + encodeURIComponent(tr.plan.flight) + '/track').then(function (got) {
        if (!got || live.selected !== id) return;
        var flown = got.points.map(function (p) { return [p[1], p[0]]; });
        live.sel.actual.setLatLngs(flown.concat(live.sel.actual.getLatLngs()));
        $('live-selected').setAttribute('data-points', String(flown.length));
      });
    });
  }
  function tooltipText(tr) { return tooltip(tr).split('<br>').join(' · '); }

  // -- alerts -------------------------------------------------------------------------------------
  function ackStoreKey() { return 'qk.ack.' + qk().me.name; }
  function loadAcks() {
    try { live.acked = JSON.parse(localStorage.getItem(ackStoreKey()) || '{}'); } catch (e) { live.acked = {}; }
  }
  function acknowledge(id) {
    live.acked[id] = new Date().toISOString();
    localStorage.setItem(ackStoreKey(), JSON.stringify(live.acked));
    renderAlerts();
  }
  function alertText(n) {
    var p = n.payload || {};
    if (n.kind === 'tactical' || n.kind === 'tactical_clear') {
      var names = (p.tracks || []).map(function (k, i) {
        return (p.flights && p.flights[i]) || t('live.kind.' + ((p.kinds || [])[i] || 'drone'));
      }).join(' ↔ ');
      return t(n.kind === 'tactical' ? 'live.alert.tactical' : 'live.alert.tactical_clear',
        { pair: names, s: p.time_to_loss_s != null ? p.time_to_loss_s.toFixed(0) : '?' });
    }
    var code = t('live.code.' + p.code);
    return t(p.episode === 'raised' ? 'live.alert.raised' : 'live.alert.cleared',
      { code: code.indexOf('live.code.') === 0 ? p.code : code, flight: p.flight || p.drone || '' });
  }
  function onNotification(kind, n, id) {
    live.lastId = Number(id) || live.lastId;
    if (kind !== 'alert' && kind !== 'tactical' && kind !== 'tactical_clear') return;
    var p = n.payload || {};
    if (kind === 'tactical') live.conflicts[p.encounter] = p.tracks;
    if (kind === 'tactical_clear') delete live.conflicts[p.encounter];
    live.alerts.unshift(n);
    if (live.alerts.length > 200) live.alerts.length = 200;
    renderAlerts();
    drawConflicts();
  }
  function renderAlerts() {
    var ul = $('live-alerts');
    ul.innerHTML = '';
    if (!live.alerts.length) ul.appendChild(el('li', { class: 'muted', text: t('live.noalerts') }));
    live.alerts.forEach(function (n) {
      var acked = !!live.acked[n.id];
      var raised = n.kind === 'tactical' || (n.payload && n.payload.episode === 'raised');
      var li = el('li', {
        'data-kind': n.kind, 'data-code': (n.payload || {}).code || '', 'data-id': String(n.id),
        class: (raised ? 'raised' : 'cleared') + (acked ? ' acked' : '')
      }, [
        el('div', { class: 'title', text: alertText(n), onclick: function () { focusAlert(n); } }),
        el('div', { class: 'muted', text: fmtIso(n.created_at) })
      ]);
      if (raised) {
        li.appendChild(el('button', {
          type: 'button', class: 'ack', text: acked ? t('live.acked') : t('live.ack'),
          onclick: function () { acknowledge(n.id); }
        }));
        if (acked) li.lastChild.disabled = true;
      }
      ul.appendChild(li);
    });
  }
  function focusAlert(n) {
    var p = n.payload || {};
    if (p.position) qk().map.panTo([p.position.lat, p.position.lon]);
    var m = p.tracks ? markerOfKey(p.tracks[0]) : null;
    if (m) qk().map.panTo(m.getLatLng());
  }

  // -- basemap ------------------------------------------------------------------------------------
  /* Tiles from QINGKONG_BASEMAP_URL under the bundled outline's place; the outline comes back
   * when the tiles cannot be loaded (offline). */
  function basemap() {
    var cfg = qk().cfg.basemap || {};
    if (!cfg.url) return;
    var outline = $('show-outline');
    var tiles = L.tileLayer(cfg.url, { attribution: cfg.attribution || '', maxZoom: 18, pane: 'tilePane' });
    var failed = 0;
    var loaded = 0;
    tiles.on('tileload', function () { loaded += 1; });
    tiles.on('tileerror', function () {
      failed += 1;
      if (failed === 4 && !loaded && !outline.checked) outline.click();
    });
    tiles.addTo(qk().map);
    live.tiles = tiles;
    if (outline.checked) outline.click();
  }

  // -- start --------------------------------------------------------------------------------------
  function legend() {
    var ul = $('live-legend');
    ul.innerHTML = '';
    ['activated', 'nonconforming', 'contingent', 'no_flight'].forEach(function (s) {
      ul.appendChild(el('li', {}, [
        el('span', { class: 'qk-track qk-drone legend-dot', style: '--c:' + COLORS[s] }),
        el('span', { text: t('live.conformance.' + s) })]));
    });
    ['crewed', 'uncooperative'].forEach(function (k) {
      ul.appendChild(el('li', {}, [
        el('span', { class: 'qk-track qk-' + k + ' legend-dot', style: '--c:' + (k === 'crewed' ? '#1b1f5e' : '#111') }),
        el('span', { text: t('live.kind.' + k) })]));
    });
  }
  function start() {
    if (live.started) return;
    live.started = true;
    var map = qk().map;
    map.createPane('live').style.zIndex = 640;
    live.layer = L.layerGroup().addTo(map);
    live.lines = L.layerGroup().addTo(map);
    $('show-live').addEventListener('change', function (ev) {
      if (ev.target.checked) { map.addLayer(live.layer); map.addLayer(live.lines); }
      else { map.removeLayer(live.layer); map.removeLayer(live.lines); }
    });
    loadAcks();
    legend();
    renderAlerts();
    basemap();
    var restart = null;
    map.on('moveend', function () {
      clearTimeout(restart);
      restart = setTimeout(function () { sse('traffic', trafficPath, onTraffic); }, 300);
    });
    sse('traffic', trafficPath, onTraffic);
    sse('alerts', function () {
      return '/v1/notifications/stream?timeout_s=3600&after=' + (live.lastId || 0);
    }, onNotification);
    document.body.setAttribute('data-live', '1');
  }
  document.addEventListener('qk:language', function () { if (live.started) { legend(); renderAlerts(); } });
  new MutationObserver(function () {
    if (document.body.getAttribute('data-ready') === '1' && window.qk && window.qk.map) start();
  }).observe(document.body, { attributes: true, attributeFilter: ['data-ready'] });
})();
