/* qingkong console: the airspace on a map (zones, corridors, flights, a time slider that plays
 * the day), the regulators' review queue and temporary restrictions, and the operators' flight
 * filing. Plain browser JavaScript over the service's /v1 API; Leaflet draws the map on a plain
 * background (no online tiles). Every visible string comes from i18n.json (zh-CN and en), and
 * every time is shown in the deployment's time zone. */
(function () {
  'use strict';

  var COLORS = {
    PROHIBITED: '#d7263d',
    REQ_AUTHORISATION: '#f08a24',
    CONDITIONAL: '#d4b000',
    NO_RESTRICTION: '#3f88c5'
  };
  var STATE_COLORS = {
    pending: '#e76f51', accepted: '#2a9d8f', activated: '#264653',
    nonconforming: '#9b2226', contingent: '#9b2226'
  };
  var ZONE_ORDER = ['NO_RESTRICTION', 'CONDITIONAL', 'REQ_AUTHORISATION', 'PROHIBITED'];

  var qk = {
    cfg: null, strings: null, lang: null, key: null, me: null, epochMs: 0,
    map: null, layers: {}, zoneFeatures: [], flightFeatures: [], dayStartS: 0, tS: 0,
    selected: null, playing: null, draw: null, lastNotif: 0, notifications: [],
    ready: { zones: 0, corridors: 0, flights: 0 }
  };
  window.qk = qk;

  // -- small helpers ------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function t(key, vars) {
    var table = qk.strings[qk.lang] || {};
    var s = table[key];
    if (s === undefined) s = (qk.strings.en || {})[key];
    if (s === undefined) return key;
    return s.replace(/\{(\w+)\}/g, function (_, name) {
      return vars && vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : '';
    });
  }
  function tOr(key, fallbackKey, vars) {
    var table = qk.strings[qk.lang] || {};
    return table[key] !== undefined ? t(key, vars) : t(fallbackKey, vars);
  }
  function toast(msg, isError) {
    var p = $('toast');
    p.textContent = msg;
    p.className = isError ? 'error' : '';
  }
  function num(v, digits) {
    return Number(v).toLocaleString(qk.lang, { maximumFractionDigits: digits === undefined ? 0 : digits });
  }

  // -- time in the deployment's zone --------------------------------------------------------
  function parts(ms) {
    var f = new Intl.DateTimeFormat('en-US', {
      timeZone: qk.cfg.timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'
    });
    var out = {};
    f.formatToParts(new Date(ms)).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  function offsetMs(ms) {
    var p = parts(ms);
    var asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }
  /* "YYYY-MM-DDTHH:MM" read as wall-clock time in the deployment's zone -> epoch ms. */
  function localToMs(value) {
    var dt = value.split('T');
    var d = dt[0].split('-').map(Number);
    var hm = (dt[1] || '00:00').split(':').map(Number);
    var guess = Date.UTC(d[0], d[1] - 1, d[2], hm[0], hm[1]);
    var ms = guess - offsetMs(guess);
    return guess - offsetMs(ms);
  }
  function msToLocalInput(ms) {
    var p = parts(ms);
    return p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute;
  }
  function sToMs(s) { return qk.epochMs + s * 1000; }
  function msToS(ms) { return (ms - qk.epochMs) / 1000; }
  function fmtTime(s, withDate) {
    var opts = { timeZone: qk.cfg.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    if (withDate !== false) { opts.year = 'numeric'; opts.month = '2-digit'; opts.day = '2-digit'; }
    return new Intl.DateTimeFormat(qk.lang, opts).format(new Date(sToMs(s)));
  }
  function fmtWeekday(s) {
    return new Intl.DateTimeFormat(qk.lang, { timeZone: qk.cfg.timezone, weekday: 'short' })
      .format(new Date(sToMs(s)));
  }
  function fmtIso(iso) { return fmtTime(msToS(Date.parse(iso))); }

  // -- API ------------------------------------------------------------------------------------
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (qk.key) headers.Authorization = 'Bearer ' + qk.key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch('/v1' + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = text ? JSON.parse(text) : null;
        if (!r.ok) {
          var err = new Error(data && data.error ? data.error.message : r.statusText);
          err.status = r.status;
          err.code = data && data.error ? data.error.code : 'http_error';
          err.fields = data && data.error ? data.error.fields : [];
          throw err;
        }
        return data;
      });
    }, function () { throw new Error(t('error.network')); });
  }
  /* The service's messages are English; the console leads with its own words for the error
   * code and keeps the service's detail (which names the field to fix) after it. */
  function fail(e) {
    var extra = (e.fields || []).map(function (f) { return f.field + ': ' + f.message; }).join('; ');
    var detail = e.message + (extra && extra.indexOf(e.message) < 0 ? ' (' + extra + ')' : '');
    var table = qk.strings[qk.lang] || {};
    var summary = e.code && table['apierror.' + e.code] !== undefined ? t('apierror.' + e.code) : '';
    toast(t('error.generic', { message: summary ? summary + ' — ' + detail : detail }), true);
  }

  // -- language -------------------------------------------------------------------------------
  function applyLanguage() {
    document.documentElement.lang = qk.lang;
    document.querySelectorAll('[data-i18n]').forEach(function (e) {
      e.textContent = t(e.getAttribute('data-i18n'));
    });
    document.querySelectorAll('[data-i18n-placeholder]').forEach(function (e) {
      e.placeholder = t(e.getAttribute('data-i18n-placeholder'));
    });
    document.title = t('app.title');
    toast('');
    $('tzlabel').textContent = t('time.zone', { tz: qk.cfg.timezone });
    if (qk.me) {
      $('who').textContent = t('role.' + qk.me.role) + ' · ' + (qk.me.operator_id || qk.me.name);
      buildTabs();
      buildLegend();
      renderZones();
      renderCorridors();
      renderFlights();
      renderReviews();
      renderNotifications();
      updateClock();
      updateDrawStatus();
    }
    document.body.setAttribute('data-lang', qk.lang);
    document.dispatchEvent(new Event('qk:language'));
  }
  function switchLanguage() {
    qk.lang = qk.lang === 'zh-CN' ? 'en' : 'zh-CN';
    localStorage.setItem('qk.lang', qk.lang);
    applyLanguage();
  }

  // -- sign-in --------------------------------------------------------------------------------
  function signIn(key) {
    qk.key = key;
    return api('GET', '/me').then(function (me) {
      qk.me = me;
      sessionStorage.setItem('qk.key', key);
      $('signin').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
      startApp();
    }, function (e) {
      qk.key = null;
      sessionStorage.removeItem('qk.key');
      $('signin-error').textContent = e.status === 401 ? t('signin.bad') : e.message;
    });
  }
  function signOut() {
    sessionStorage.removeItem('qk.key');
    location.reload();
  }
  function isRegulator() { return qk.me && (qk.me.role === 'regulator' || qk.me.role === 'admin'); }

  // -- tabs -----------------------------------------------------------------------------------
  function buildTabs() {
    var nav = $('tabs');
    nav.innerHTML = '';
    var current = qk.tab;
    document.querySelectorAll('section.tab').forEach(function (sec) {
      var role = sec.getAttribute('data-role');
      var allowed = !role || (role === 'regulator' ? isRegulator() : !isRegulator());
      sec.hidden = !allowed;
      if (!allowed) return;
      var name = sec.getAttribute('data-tab');
      if (!current) current = name;
      nav.appendChild(el('button', {
        type: 'button', id: 'tab-' + name, text: t('tab.' + name),
        class: name === current ? 'current' : '', onclick: function () { showTab(name); }
      }));
    });
    showTab(current);
  }
  function showTab(name) {
    qk.tab = name;
    document.querySelectorAll('section.tab').forEach(function (sec) {
      sec.classList.toggle('current', sec.getAttribute('data-tab') === name);
    });
    document.querySelectorAll('#tabs button').forEach(function (b) {
      b.classList.toggle('current', b.id === 'tab-' + name);
    });
  }

  // -- map ------------------------------------------------------------------------------------
  function initMap() {
    var c = qk.cfg.centre;
    var map = L.map('map', { zoomControl: true, attributionControl: true, zoomSnap: 0.25 })
      .setView([c[1] + 0.05, c[0] - 0.02], 11);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution('qingkong · outline: illustrative, hand-drawn');
    if (qk.cfg.terrain && qk.cfg.terrain.illustrative) {
      map.attributionControl.addAttribution('terrain: ILLUSTRATIVE (synthetic Laoshan)');
      document.body.setAttribute('data-terrain', 'illustrative');
    }
    L.control.scale({ metric: true, imperial: false }).addTo(map);
    map.createPane('outline').style.zIndex = 250;
    map.createPane('zones').style.zIndex = 400;
    map.createPane('corridors').style.zIndex = 420;
    map.createPane('flights').style.zIndex = 450;
    map.createPane('drawing').style.zIndex = 460;
    qk.layers.outline = L.layerGroup().addTo(map);
    qk.layers.zones = L.layerGroup().addTo(map);
    qk.layers.corridors = L.layerGroup().addTo(map);
    qk.layers.flights = L.layerGroup().addTo(map);
    qk.layers.highlight = L.layerGroup().addTo(map);
    qk.layers.drawing = L.layerGroup().addTo(map);
    map.on('click', onMapClick);
    qk.map = map;
    [['show-outline', 'outline'], ['show-zones', 'zones'], ['show-corridors', 'corridors'],
      ['show-flights', 'flights']].forEach(function (pair) {
      $(pair[0]).addEventListener('change', function (ev) {
        if (ev.target.checked) map.addLayer(qk.layers[pair[1]]);
        else map.removeLayer(qk.layers[pair[1]]);
      });
    });
    fetch('data/qingdao_outline.geojson').then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) {
        if (!doc) return;
        L.geoJSON(doc, {
          pane: 'outline', interactive: false,
          style: { color: '#8a9a8a', weight: 1, fillColor: '#f3f0e6', fillOpacity: 1 }
        }).addTo(qk.layers.outline);
      });
  }

  function buildLegend() {
    var ul = $('legend');
    ul.innerHTML = '';
    ZONE_ORDER.slice().reverse().forEach(function (r) {
      ul.appendChild(el('li', {}, [
        el('span', { class: 'swatch', style: 'border-color:' + COLORS[r] + ';background:' + COLORS[r] + '55' }),
        el('span', { text: t('restriction.' + r) })]));
    });
    ul.appendChild(el('li', {}, [
      el('span', { class: 'swatch', style: 'border-color:#777;border-style:dashed;background:transparent' }),
      el('span', { text: t('legend.inactive') })]));
    ul.appendChild(el('li', {}, [
      el('span', { class: 'swatch line', style: 'border-color:#5a6fa8' }),
      el('span', { text: t('layer.corridors') })]));
    ['accepted', 'pending', 'activated'].forEach(function (s) {
      ul.appendChild(el('li', {}, [
        el('span', { class: 'swatch line', style: 'border-color:' + STATE_COLORS[s] }),
        el('span', { text: t('state.' + s) })]));
    });
  }

  // -- zones ----------------------------------------------------------------------------------
  function zoneActive(props, s) {
    return (props.active_s || []).some(function (iv) { return iv[0] <= s && s < iv[1]; });
  }
  function limitText(lower, upper, ref) {
    var lo = lower === null || lower === undefined ? '—' : num(lower) + ' ' + t('unit.m');
    var hi = upper === null || upper === undefined ? t('zone.unbounded') : num(upper) + ' ' + t('unit.m');
    return lo + ' – ' + hi + (ref ? ' ' + ref : '');
  }
  function scheduleText(schedule) {
    if (!schedule || !schedule.length) return [t('zone.permanent')];
    return schedule.map(function (a) {
      var bits = [];
      if (a.permanent && !a.start && !a.end && !a.periods.length) bits.push(t('zone.permanent'));
      if (a.start) bits.push(t('zone.from', { start: fmtIso(a.start) }));
      if (a.end) bits.push(t('zone.until', { end: fmtIso(a.end) }));
      a.periods.forEach(function (p) {
        var days = p.days.length ? p.days.map(function (d) { return t('day.' + d); }).join('、') : t('zone.everyday');
        bits.push(t('zone.daily', { days: days, start: p.start || '00:00', end: p.end || '24:00' }) + (p.utc ? ' UTC' : ''));
      });
      return bits.join(qk.lang === 'zh-CN' ? '，' : ', ');
    });
  }
  function zonePopup(props) {
    var active = zoneActive(props, qk.tS);
    var div = el('div', { class: 'zone-popup' }, [
      el('h4', { text: props.name || props.id }),
      el('p', { text: props.id + ' · ' + t('restriction.' + props.restriction) }),
      el('p', { text: t('zone.limits') + ': ' + limitText(props.lower_m, props.upper_m, props.reference) }),
      el('p', { text: t('zone.schedule') + ': ' + scheduleText(props.schedule).join('; ') }),
      el('p', { class: active ? 'error' : 'muted', text: active ? t('zone.activeNow') : t('zone.inactiveNow') })
    ]);
    if (props.message) div.appendChild(el('p', { class: 'muted', text: props.message }));
    return div;
  }
  function zoneStyle(props) {
    var c = COLORS[props.restriction] || '#666';
    var active = zoneActive(props, qk.tS);
    return {
      pane: 'zones', color: c, weight: active ? 2 : 1.5, opacity: active ? 0.95 : 0.6,
      dashArray: active ? null : '6 5', fillColor: c, fillOpacity: active ? 0.22 : 0.04
    };
  }
  function loadZones() {
    return api('GET', '/map/zones?start=' + qk.dayStartS + '&end=' + (qk.dayStartS + 86400))
      .then(function (fc) {
        qk.zoneFeatures = fc.features.slice().sort(function (a, b) {
          return ZONE_ORDER.indexOf(a.properties.restriction) - ZONE_ORDER.indexOf(b.properties.restriction);
        });
        renderZones();
        if (!qk.fitted && qk.zoneLayers.length) {
          var b = L.latLngBounds([]);
          qk.zoneLayers.forEach(function (l) { b.extend(l.getBounds()); });
          qk.map.fitBounds(b.pad(0.02));
          qk.fitted = true;
        }
        qk.ready.zones = fc.features.length;
        document.body.setAttribute('data-zones', String(fc.features.length));
      }, fail);
  }
  function renderZones() {
    if (!qk.map) return;
    qk.layers.zones.clearLayers();
    qk.zoneLayers = [];
    qk.zoneFeatures.forEach(function (f) {
      var layer = L.geoJSON(f, { style: function () { return zoneStyle(f.properties); } });
      layer.bindPopup(function () { return zonePopup(f.properties); });
      layer.bindTooltip(f.properties.id + ' · ' + t('restriction.' + f.properties.restriction), { sticky: true });
      layer.feature = f;
      layer.addTo(qk.layers.zones);
      qk.zoneLayers.push(layer);
    });
  }
  function restyleZones() {
    (qk.zoneLayers || []).forEach(function (layer) {
      layer.setStyle(zoneStyle(layer.feature.properties));
    });
  }

  // -- corridors ------------------------------------------------------------------------------
  function loadCorridors() {
    return api('GET', '/map/corridors').then(function (fc) {
      qk.corridorFeatures = fc.features;
      renderCorridors();
      qk.ready.corridors = fc.features.length;
      document.body.setAttribute('data-corridors', String(fc.features.length));
    }, fail);
  }
  function renderCorridors() {
    if (!qk.map || !qk.corridorFeatures) return;
    qk.layers.corridors.clearLayers();
    L.geoJSON({ type: 'FeatureCollection', features: qk.corridorFeatures }, {
      style: { pane: 'corridors', color: '#5a6fa8', weight: 2, opacity: 0.75 },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { pane: 'corridors', radius: 5, color: '#2d3e7a', weight: 2, fillColor: '#fff', fillOpacity: 1 });
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        if (p.kind === 'corridor') {
          layer.bindTooltip(t('corridor.title', { id: p.id }) + ' · ' + t('corridor.band', {
            lower: num(p.lower_m), upper: num(p.upper_m), width: num(p.width_m), speed: num(p.speed_max_mps, 1)
          }) + (p.oneway ? ' · ' + t('corridor.oneway') : ''), { sticky: true });
        } else {
          layer.bindTooltip(t('vertiport.title', { name: p.name || p.id }));
        }
      }
    }).addTo(qk.layers.corridors);
  }

  // -- flights --------------------------------------------------------------------------------
  function loadFlights() {
    return api('GET', '/map/flights?start=' + qk.dayStartS + '&end=' + (qk.dayStartS + 86400))
      .then(function (fc) {
        qk.flightFeatures = fc.features;
        renderFlights();
        qk.ready.flights = fc.features.length;
        document.body.setAttribute('data-flights', String(fc.features.length));
      }, fail);
  }
  function positionAt(rows, s) {
    if (!rows || !rows.length || s < rows[0][3] || s > rows[rows.length - 1][3]) return null;
    for (var i = 1; i < rows.length; i++) {
      if (s <= rows[i][3]) {
        var a = rows[i - 1], b = rows[i];
        var f = b[3] > a[3] ? (s - a[3]) / (b[3] - a[3]) : 1;
        return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
      }
    }
    return rows[rows.length - 1];
  }
  function reasonText(r) {
    return tOr('reason.' + r.code, 'reason.other', r);
  }
  function flightPopup(p) {
    var div = el('div', { class: 'flight-popup' }, [
      el('h4', { text: t('flight.title', { id: p.flight }) }),
      el('p', { text: t('flight.state') + ': ' + t('state.' + p.state) }),
      el('p', { text: t('flight.operator') + ': ' + p.operator + ' · ' + t('flight.drone') + ': ' + p.drone }),
      el('p', { text: t('flight.departure') + ': ' + fmtTime(p.start_s) }),
      el('p', { text: t('flight.arrival') + ': ' + fmtTime(p.end_s) })
    ]);
    if (p.delay_s) div.appendChild(el('p', { text: t('flight.delay', { delay: num(p.delay_s, 1) }) }));
    if (p.lower_m !== undefined && p.lower_m !== null) {
      div.appendChild(el('p', { text: t('flight.area', { lower: num(p.lower_m), upper: num(p.upper_m) }) }));
    }
    if (p.reasons && p.reasons.length) {
      div.appendChild(el('p', { text: t('flight.reasons') + ': ' + p.reasons.map(reasonText).join('; ') }));
    }
    return div;
  }
  function renderFlights() {
    if (!qk.map) return;
    qk.layers.flights.clearLayers();
    qk.flightLayers = {};
    qk.flightFeatures.forEach(function (f) {
      var p = f.properties;
      var c = STATE_COLORS[p.state] || '#555';
      var sel = qk.selected === p.flight;
      var layer = L.geoJSON(f, {
        style: {
          pane: 'flights', color: sel ? '#ffb000' : c, weight: sel ? 6 : 3, opacity: 0.9,
          dashArray: p.state === 'pending' ? '8 6' : null, fillColor: c, fillOpacity: 0.15
        }
      });
      layer.bindPopup(function () { return flightPopup(p); });
      layer.bindTooltip(t('flight.title', { id: p.flight }) + ' · ' + t('state.' + p.state), { sticky: true });
      layer.on('click', function () { select(p.flight, false); });
      layer.addTo(qk.layers.flights);
      var marker = L.circleMarker([0, 0], {
        pane: 'flights', radius: 6, color: '#fff', weight: 2, fillColor: c, fillOpacity: 1
      });
      qk.flightLayers[p.flight] = { path: layer, marker: marker, feature: f };
    });
    renderFlightList();
    updateMarkers();
  }
  function updateMarkers() {
    Object.keys(qk.flightLayers || {}).forEach(function (id) {
      var fl = qk.flightLayers[id];
      var p = fl.feature.properties;
      var pos = null;
      if (p.trajectory) pos = positionAt(p.trajectory, qk.tS);
      else if (p.start_s <= qk.tS && qk.tS <= p.end_s && fl.feature.geometry) {
        var b = fl.path.getBounds().getCenter();
        pos = [b.lng, b.lat, p.upper_m];
      }
      if (pos) {
        fl.marker.setLatLng([pos[1], pos[0]]);
        fl.marker.bindTooltip(p.flight + ' · ' + num(pos[2]) + ' ' + t('unit.m'));
        if (!qk.layers.flights.hasLayer(fl.marker)) fl.marker.addTo(qk.layers.flights);
      } else if (qk.layers.flights.hasLayer(fl.marker)) {
        qk.layers.flights.removeLayer(fl.marker);
      }
    });
  }
  function select(flightId, fit) {
    qk.selected = flightId;
    renderFlights();
    document.querySelectorAll('[data-flight]').forEach(function (li) {
      li.classList.toggle('selected', li.getAttribute('data-flight') === flightId);
    });
    var fl = qk.flightLayers[flightId];
    if (fl) {
      fl.path.bringToFront();
      if (fit) qk.map.fitBounds(fl.path.getBounds().pad(0.6), { maxZoom: 14 });
      var p = fl.feature.properties;
      if (fit && p.start_s !== null && p.start_s >= qk.dayStartS && p.start_s < qk.dayStartS + 86400) {
        setTime(p.start_s);
      }
    }
    document.body.setAttribute('data-selected', flightId || '');
  }
  function renderFlightList() {
    var ul = $('flight-list');
    ul.innerHTML = '';
    if (!qk.flightFeatures.length) ul.appendChild(el('li', { class: 'muted', text: t('flight.none') }));
    qk.flightFeatures.forEach(function (f) {
      var p = f.properties;
      ul.appendChild(el('li', { 'data-flight': p.flight, class: qk.selected === p.flight ? 'selected' : '' }, [
        el('div', { class: 'title', text: p.flight + ' · ' + t('state.' + p.state), onclick: function () { select(p.flight, true); } }),
        el('div', { class: 'muted', text: p.operator + ' · ' + p.drone + ' · ' + fmtTime(p.start_s) })
      ]));
    });
  }

  // -- time slider ----------------------------------------------------------------------------
  function setDay(dateStr) {
    qk.dayStartS = msToS(localToMs(dateStr + 'T00:00'));
    $('day').value = dateStr;
    return Promise.all([loadZones(), loadFlights()]).then(function () {
      document.body.setAttribute('data-day', dateStr);
    });
  }
  function setTime(s) {
    qk.tS = s;
    $('slider').value = String(Math.round(s - qk.dayStartS));
    updateClock();
    restyleZones();
    updateMarkers();
  }
  function updateClock() {
    if (!qk.cfg || !qk.me) return;
    $('clock').textContent = fmtTime(qk.tS) + ' ' + fmtWeekday(qk.tS);
  }
  function togglePlay() {
    if (qk.playing) {
      clearInterval(qk.playing);
      qk.playing = null;
      $('play').textContent = t('time.play');
      $('play').setAttribute('data-i18n', 'time.play');
      return;
    }
    $('play').setAttribute('data-i18n', 'time.pause');
    $('play').textContent = t('time.pause');
    qk.playing = setInterval(function () {
      var step = Number($('speed').value) / 10;
      var next = qk.tS + step;
      if (next >= qk.dayStartS + 86400) next = qk.dayStartS;
      setTime(next);
    }, 100);
  }
  function goNow() {
    var nowMs = Date.now();
    var p = parts(nowMs);
    var day = p.year + '-' + p.month + '-' + p.day;
    var load = day === $('day').value ? Promise.resolve() : setDay(day);
    return load.then(function () { setTime(msToS(nowMs)); });
  }

  // -- drawing (restrictions and flights) -----------------------------------------------------
  function startDraw(kind, owner) {
    clearDraw();
    qk.draw = { kind: kind, owner: owner, points: [], done: false };
    qk.map.doubleClickZoom.disable();
    document.querySelectorAll('#draw-polygon,#draw-circle,#draw-route,#draw-area').forEach(function (b) {
      b.classList.toggle('active', b.id === 'draw-' + kind);
    });
    updateDrawStatus();
  }
  function clearDraw() {
    qk.draw = null;
    qk.layers.drawing.clearLayers();
    qk.layers.highlight.clearLayers();
    if (qk.map) qk.map.doubleClickZoom.enable();
    document.querySelectorAll('#draw-polygon,#draw-circle,#draw-route,#draw-area').forEach(function (b) {
      b.classList.remove('active');
    });
    $('restrict-confirm').disabled = true;
    updateDrawStatus();
  }
  function finishDraw() {
    var d = qk.draw;
    if (!d) return;
    var need = d.kind === 'circle' ? 1 : (d.kind === 'route' ? 2 : 3);
    if (d.points.length < need) { toast(t('restrict.needShape'), true); return; }
    d.done = true;
    qk.map.doubleClickZoom.enable();
    redrawShape();
    updateDrawStatus();
  }
  function onMapClick(ev) {
    var d = qk.draw;
    if (!d || d.done) return;
    d.points.push([ev.latlng.lng, ev.latlng.lat]);
    if (d.kind === 'circle') d.done = true;
    redrawShape();
    updateDrawStatus();
  }
  function redrawShape() {
    var d = qk.draw;
    qk.layers.drawing.clearLayers();
    if (!d) return;
    var ll = d.points.map(function (p) { return [p[1], p[0]]; });
    var style = { pane: 'drawing', color: '#6a1b9a', weight: 3, dashArray: d.done ? null : '4 4', fillOpacity: 0.15 };
    if (d.kind === 'circle' && ll.length) {
      L.circle(ll[0], Object.assign({ radius: Number($('r-radius').value) || 500 }, style)).addTo(qk.layers.drawing);
    } else if ((d.kind === 'polygon' || d.kind === 'area') && ll.length >= 3 && d.done) {
      L.polygon(ll, style).addTo(qk.layers.drawing);
    } else if (ll.length >= 2) {
      L.polyline(ll, style).addTo(qk.layers.drawing);
    }
    ll.forEach(function (p) {
      L.circleMarker(p, { pane: 'drawing', radius: 4, color: '#6a1b9a', fillColor: '#fff', fillOpacity: 1 }).addTo(qk.layers.drawing);
    });
  }
  function updateDrawStatus() {
    var d = qk.draw;
    var msg = '';
    if (d) {
      if (d.kind === 'circle') {
        msg = d.points.length ? t('restrict.drawnCircle', { r: num($('r-radius').value) }) : t('restrict.drawingCircle');
      } else if (d.done) {
        msg = t('restrict.drawn', { n: d.points.length });
      } else {
        msg = (d.kind === 'route' ? t('file.drawingRoute') : t('restrict.drawingPolygon')) +
          (d.points.length ? ' ' + t('restrict.drawn', { n: d.points.length }) : '');
      }
    }
    var target = d && d.owner === 'file' ? 'fdraw-status' : 'draw-status';
    $('draw-status').textContent = target === 'draw-status' ? msg : '';
    $('fdraw-status').textContent = target === 'fdraw-status' ? msg : '';
  }
  function ring(points) {
    var r = points.slice();
    r.push(points[0]);
    return r;
  }

  // -- restrictions (regulators) --------------------------------------------------------------
  function restrictionBody() {
    var d = qk.draw;
    if (!d || d.owner !== 'restrict' || !d.done) throw new Error(t('restrict.needShape'));
    var geometry = d.kind === 'circle'
      ? { type: 'Circle', center: d.points[0], radius_m: Number($('r-radius').value) }
      : { type: 'Polygon', coordinates: [ring(d.points)] };
    var body = {
      id: $('r-id').value.trim(),
      restriction: $('r-kind').value,
      geometry: geometry,
      lower_m: Number($('r-lower').value),
      upper_m: Number($('r-upper').value),
      reference: 'AGL',
      schedule: [{ start: msToS(localToMs($('r-start').value)), end: msToS(localToMs($('r-end').value)) }]
    };
    if ($('r-name').value.trim()) body.name = $('r-name').value.trim();
    if ($('r-emergency').value.trim()) body.emergency_reason = $('r-emergency').value.trim();
    return body;
  }
  function highlightFlights(ids) {
    qk.layers.highlight.clearLayers();
    ids.forEach(function (id) {
      var fl = qk.flightLayers[id];
      if (!fl) return;
      L.geoJSON(fl.feature, { style: { pane: 'drawing', color: '#6a1b9a', weight: 8, opacity: 0.45 } })
        .addTo(qk.layers.highlight);
    });
  }
  function previewRestriction() {
    toast('');
    var body;
    try { body = restrictionBody(); } catch (e) { toast(e.message, true); return; }
    var out = $('restrict-result');
    out.innerHTML = '';
    api('POST', '/map/zone-preview', body).then(function (res) {
      qk.preview = res;
      var ids = res.affected.map(function (a) { return a.flight; });
      highlightFlights(ids);
      out.appendChild(el('p', {
        id: 'preview-summary',
        text: res.count ? t('restrict.affected', { n: res.count }) : t('restrict.noneAffected')
      }));
      var ul = el('ul', { class: 'cards', id: 'preview-list' });
      res.affected.forEach(function (a) {
        ul.appendChild(el('li', { 'data-flight': a.flight }, [
          el('div', { class: 'title', text: a.flight + ' · ' + t('state.' + a.state), onclick: function () { select(a.flight, true); } }),
          el('div', { class: 'muted', text: a.operator + ' · ' + a.intervals_s.map(function (iv) {
            return fmtTime(iv[0]) + ' – ' + fmtTime(iv[1], false);
          }).join(', ') })
        ]));
      });
      out.appendChild(ul);
      $('restrict-confirm').disabled = false;
      document.body.setAttribute('data-preview', String(res.count));
    }, fail);
  }
  function confirmRestriction() {
    toast('');
    var body;
    try { body = restrictionBody(); } catch (e) { toast(e.message, true); return; }
    var out = $('restrict-result');
    api('POST', '/zones', body).then(function (res) {
      out.innerHTML = '';
      out.appendChild(el('p', { text: t('restrict.published', { id: body.id }) }));
      if (res.changes.length) {
        out.appendChild(el('p', { text: t('restrict.changes') }));
        var ul = el('ul', { class: 'cards', id: 'change-list' });
        res.changes.forEach(function (c) {
          var li = el('li', { 'data-flight': c.flight }, [
            el('div', { class: 'title', text: t('change.' + c.kind, { flight: c.flight }), onclick: function () { select(c.flight, true); } })
          ]);
          if (c.reason) li.appendChild(el('div', { class: 'muted', text: reasonText(c.reason) }));
          ul.appendChild(li);
        });
        out.appendChild(ul);
      }
      document.body.setAttribute('data-published', body.id);
      clearDraw();
      newRestrictionId();
      return Promise.all([loadZones(), loadFlights()]);
    }, fail);
  }
  function newRestrictionId() {
    var p = parts(Date.now());
    $('r-id').value = 'TFR-' + p.month + p.day + '-' + p.hour + p.minute + p.second;
  }

  // -- review queue (regulators) --------------------------------------------------------------
  function loadReviews() {
    if (!isRegulator()) return Promise.resolve();
    return api('GET', '/reviews').then(function (res) {
      qk.reviews = res.items;
      renderReviews();
      document.body.setAttribute('data-reviews', String(res.count));
    }, fail);
  }
  function renderReviews() {
    var ul = $('review-list');
    if (!ul || !qk.reviews) return;
    ul.innerHTML = '';
    if (!qk.reviews.length) ul.appendChild(el('li', { class: 'muted', text: t('reviews.empty') }));
    qk.reviews.forEach(function (f) {
      var comment = el('textarea', { 'data-comment': f.flight, placeholder: t('reviews.comment') });
      var reasons = el('ul', {});
      (f.reasons || []).forEach(function (r) { reasons.appendChild(el('li', { text: reasonText(r) })); });
      ul.appendChild(el('li', { 'data-flight': f.flight, class: qk.selected === f.flight ? 'selected' : '' }, [
        el('div', { class: 'title', text: t('flight.title', { id: f.flight }), onclick: function () { select(f.flight, true); } }),
        el('div', { class: 'muted', text: f.operator + ' · ' + f.drone + ' · ' + (f.departure !== undefined && f.departure !== null ? fmtTime(f.departure) : '') }),
        reviewDeadline(f),
        el('div', { text: t('reviews.why') + ':' }),
        reasons,
        el('label', {}, [el('span', { text: t('reviews.comment') }), comment]),
        el('div', { class: 'row' }, [
          el('button', { type: 'button', class: 'primary', 'data-approve': f.flight, text: t('reviews.approve'), onclick: function () { verdict(f.flight, true, comment.value); } }),
          el('button', { type: 'button', 'data-deny': f.flight, text: t('reviews.deny'), onclick: function () { verdict(f.flight, false, comment.value); } })
        ])
      ]));
    });
  }
  // The workflow's decision deadline (China: 21:00 the day before), in the deployment's zone.
  function reviewDeadline(f) {
    if (!f.decide_by) return el('div', { class: 'muted deadline', text: t('reviews.noDeadline') });
    var when = fmtIso(f.decide_by);
    return el('div', {
      class: 'deadline' + (f.overdue ? ' overdue' : ''),
      'data-decide-by': f.decide_by,
      'data-overdue': String(!!f.overdue),
      text: t(f.overdue ? 'reviews.overdue' : 'reviews.decideBy', { time: when })
    });
  }
  function verdict(flightId, approve, comment) {
    toast('');
    api('POST', '/reviews/' + encodeURIComponent(flightId), { approve: approve, comment: comment })
      .then(function (row) {
        toast(t(row.state === 'rejected' ? 'reviews.denied' : 'reviews.approved', { id: flightId }));
        select(flightId, false);
        return Promise.all([loadReviews(), loadFlights()]);
      }, fail);
  }

  // -- filing flights (operators) -------------------------------------------------------------
  function loadDrones() {
    if (isRegulator()) return Promise.resolve();
    return api('GET', '/drones').then(function (drones) {
      var sel = $('f-drone');
      var keep = sel.value;
      sel.innerHTML = '';
      drones.forEach(function (d) {
        sel.appendChild(el('option', { value: d.id, text: d.id + (d.model ? ' · ' + d.model : '') + ' (' + d.drone_class + ')' }));
      });
      if (keep) sel.value = keep;
      $('register').open = !drones.length;
    }, fail);
  }
  function registerDrone(ev) {
    toast('');
    ev.preventDefault();
    var body = {
      id: $('d-id').value.trim(), serial: $('d-serial').value.trim(),
      empty_weight_kg: Number($('d-empty').value),
      max_takeoff_weight_kg: Number($('d-mtow').value), max_speed_mps: Number($('d-speed').value),
      capabilities: $('d-caps').value.split(/[,，\s]+/).filter(Boolean)
    };
    api('POST', '/drones', body).then(function (d) {
      toast(t('file.registered', { id: d.id }));
      return loadDrones().then(function () { $('f-drone').value = d.id; });
    }, fail);
  }
  function fileFlight() {
    toast('');
    var d = qk.draw;
    if (!d || d.owner !== 'file' || !d.done) { toast(t('restrict.needShape'), true); return; }
    if (!$('f-drone').value) { toast(t('file.noDrone'), true); return; }
    var route;
    if (d.kind === 'route') {
      var alt = Number($('f-alt').value);
      var first = d.points[0], last = d.points[d.points.length - 1];
      var wps = [[first[0], first[1], 0]];
      d.points.forEach(function (p) { wps.push([p[0], p[1], alt]); });
      wps.push([last[0], last[1], 0]);
      route = { waypoints: wps };
    } else {
      route = {
        area: { type: 'Polygon', coordinates: [ring(d.points)] },
        lower_m: Number($('f-lower').value), upper_m: Number($('f-upper').value),
        duration_s: Number($('f-duration').value)
      };
    }
    var body = {
      drone: $('f-drone').value,
      priority: Number($('f-priority').value) || 0,
      departure: {
        earliest: msToS(localToMs($('f-earliest').value)),
        latest: msToS(localToMs($('f-latest').value))
      },
      route: route
    };
    if (d.kind === 'route') body.speed_mps = Number($('f-speed').value);
    workflowFields(body);
    var out = $('file-result');
    out.innerHTML = '';
    api('POST', '/flights', body).then(function (f) {
      out.appendChild(el('p', { id: 'decision', text: t('file.decision', { status: t('status.' + f.status) }) }));
      if (f.status !== 'rejected') {
        if (f.departure !== undefined && f.departure !== null) {
          out.appendChild(el('p', { text: t('file.slot', { time: fmtTime(f.departure), delay: num(f.delay_s || 0, 1) }) }));
        } else if (f.start !== undefined) {
          out.appendChild(el('p', { text: t('file.window', { start: fmtTime(f.start), end: fmtTime(f.end, false) }) }));
        }
      }
      var reasons = el('ul', {});
      (f.reasons || []).forEach(function (r) { reasons.appendChild(el('li', { text: reasonText(r) })); });
      out.appendChild(reasons);
      document.body.setAttribute('data-decision', f.status);
      clearDraw();
      qk.selected = f.flight;
      return loadFlights().then(function () { select(f.flight, true); });
    }, fail);
  }

  // -- the flight-activity workflow's fields (GET /v1/workflow: task types, operations, Art. 27)
  function loadWorkflow() {
    return api('GET', '/workflow').then(function (wf) {
      qk.workflow = wf && wf.workflow ? wf : null;
      renderWorkflowFields();
    }, function () { qk.workflow = null; renderWorkflowFields(); });
  }
  function renderWorkflowFields() {
    var wf = qk.workflow;
    document.querySelectorAll('[data-workflow]').forEach(function (e) { e.hidden = !wf; });
    if (!wf) return;
    var sel = $('f-task');
    while (sel.options.length > 1) sel.remove(1);
    wf.tasks.forEach(function (tk) {
      if (tk.name === 'routine') return;
      sel.appendChild(el('option', { value: tk.name, 'data-i18n': 'task.' + tk.name, text: t('task.' + tk.name) }));
    });
    var ops = $('f-ops');
    ops.querySelectorAll('label').forEach(function (e) { e.remove(); });
    Object.keys(wf.operations).forEach(function (name) {
      ops.appendChild(el('label', { class: 'check' }, [
        el('input', { type: 'checkbox', id: 'f-op-' + name, value: name }),
        el('span', { 'data-i18n': 'op.' + name, text: ' ' + t('op.' + name) })
      ]));
    });
    var items = $('f-app-items');
    items.innerHTML = '';
    wf.application_items.forEach(function (name) {
      items.appendChild(el('label', {}, [
        el('span', { 'data-i18n': 'app.' + name, text: t('app.' + name) }),
        el('input', { id: 'f-app-' + name, 'data-item': name })
      ]));
    });
  }
  function workflowFields(body) {
    if (!qk.workflow) return;
    if ($('f-task').value) body.task = $('f-task').value;
    if ($('f-longterm').value.trim()) body.long_term = $('f-longterm').value.trim();
    var ops = [];
    document.querySelectorAll('#f-ops input[type=checkbox]').forEach(function (c) {
      if (c.checked) ops.push(c.value);
    });
    if (ops.length) body.operations = ops;
    var app = {};
    document.querySelectorAll('#f-app-items input').forEach(function (i) {
      if (i.value.trim()) app[i.getAttribute('data-item')] = i.value.trim();
    });
    if (Object.keys(app).length) body.application = app;
  }

  // -- notifications --------------------------------------------------------------------------
  function pollNotifications() {
    return api('GET', '/notifications?after=' + qk.lastNotif).then(function (items) {
      if (!items.length) return;
      items.forEach(function (n) { qk.lastNotif = Math.max(qk.lastNotif, n.id); });
      qk.notifications = items.reverse().concat(qk.notifications).slice(0, 200);
      renderNotifications();
      if (items.some(function (n) { return n.kind !== 'filed'; })) loadFlights();
    }, function () { /* polling retries on the next tick */ });
  }
  function renderNotifications() {
    var ul = $('notif-list');
    ul.innerHTML = '';
    if (!qk.notifications.length) ul.appendChild(el('li', { class: 'muted', text: t('notif.empty') }));
    qk.notifications.forEach(function (n) {
      var li = el('li', { 'data-flight': n.flight }, [
        el('div', { class: 'title', text: tOr('notif.' + n.kind, 'notif.other', { flight: n.flight, kind: n.kind }), onclick: function () { select(n.flight, true); } }),
        el('div', { class: 'muted', text: fmtIso(n.created_at) })
      ]);
      var p = n.payload || {};
      if (p.comment) li.appendChild(el('div', { text: t('notif.comment', { comment: p.comment }) }));
      if (p.reason) li.appendChild(el('div', { text: reasonText(p.reason) }));
      ul.appendChild(li);
    });
  }

  // -- start ----------------------------------------------------------------------------------
  function defaultWindows() {
    var now = Date.now();
    var hour = 3600 * 1000;
    $('r-start').value = msToLocalInput(now + 0.25 * hour);
    $('r-end').value = msToLocalInput(now + 3 * hour);
    $('f-earliest').value = msToLocalInput(now + 0.25 * hour);
    $('f-latest').value = msToLocalInput(now + 1.25 * hour);
    newRestrictionId();
  }
  function startApp() {
    if (!qk.map) initMap();
    $('who').textContent = t('role.' + qk.me.role) + ' · ' + (qk.me.operator_id || qk.me.name);
    buildTabs();
    buildLegend();
    defaultWindows();
    var nowP = parts(Date.now());
    setDay(nowP.year + '-' + nowP.month + '-' + nowP.day).then(function () {
      setTime(msToS(Date.now()));
      document.body.setAttribute('data-ready', '1');
    });
    loadCorridors();
    loadReviews();
    loadDrones();
    loadWorkflow();
    pollNotifications();
    setInterval(pollNotifications, 5000);
    applyLanguage();
  }
  function wire() {
    $('lang-switch').addEventListener('click', switchLanguage);
    $('signout').addEventListener('click', signOut);
    $('signin-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      $('signin-error').textContent = '';
      signIn($('signin-key').value.trim());
    });
    $('day').addEventListener('change', function (ev) {
      if (ev.target.value) setDay(ev.target.value).then(function () { setTime(qk.dayStartS + Number($('slider').value)); });
    });
    $('slider').addEventListener('input', function (ev) { setTime(qk.dayStartS + Number(ev.target.value)); });
    $('play').addEventListener('click', togglePlay);
    $('now').addEventListener('click', goNow);
    $('reviews-refresh').addEventListener('click', loadReviews);
    $('draw-polygon').addEventListener('click', function () { startDraw('polygon', 'restrict'); });
    $('draw-circle').addEventListener('click', function () { startDraw('circle', 'restrict'); });
    $('draw-finish').addEventListener('click', finishDraw);
    $('draw-clear').addEventListener('click', clearDraw);
    $('r-radius').addEventListener('input', function () { redrawShape(); updateDrawStatus(); });
    $('restrict-preview').addEventListener('click', previewRestriction);
    $('restrict-confirm').addEventListener('click', confirmRestriction);
    ['restrict-form'].forEach(function (id) {
      $(id).addEventListener('input', function () { $('restrict-confirm').disabled = true; });
    });
    $('register-form').addEventListener('submit', registerDrone);
    $('draw-route').addEventListener('click', function () { startDraw('route', 'file'); });
    $('draw-area').addEventListener('click', function () { startDraw('area', 'file'); });
    $('fdraw-finish').addEventListener('click', finishDraw);
    $('fdraw-clear').addEventListener('click', clearDraw);
    $('file-submit').addEventListener('click', fileFlight);
  }

  Promise.all([
    fetch('/v1/map/config').then(function (r) { return r.json(); }),
    fetch('i18n.json').then(function (r) { return r.json(); })
  ]).then(function (got) {
    qk.cfg = got[0];
    qk.strings = got[1];
    qk.epochMs = Date.parse(qk.cfg.epoch);
    var saved = localStorage.getItem('qk.lang');
    qk.lang = saved && qk.strings[saved] ? saved : (qk.strings[qk.cfg.locale] ? qk.cfg.locale : 'en');
    wire();
    applyLanguage();
    var key = sessionStorage.getItem('qk.key');
    if (key) signIn(key);
    document.body.setAttribute('data-boot', '1');
  });
})();
