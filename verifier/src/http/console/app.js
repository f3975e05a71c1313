/*
 * hwtotp web console: plain JavaScript, no framework, no build step. Four screens over the HTTP
 * API (assign, sign in, resync, tokens) and, under `npm start`, a virtual token.
 *
 * The operator key lives in sessionStorage (this tab only). `npm start` prints a URL ending in
 * `#key=...`: the fragment never reaches the server or its logs, and we remove it from the address
 * bar and history as soon as it is read.
 */
/* global document, window, location, history, sessionStorage, fetch, setTimeout, clearTimeout, setInterval, AbortController, TextDecoder */
(function () {
  'use strict';

  var KEY_STORE = 'hwtotp.apiKey';
  var SCREENS = ['assign', 'signin', 'resync', 'tokens', 'virtual'];
  var TITLES = { assign: 'Assign MFA device', signin: 'Sign in with MFA', resync: 'Resync', tokens: 'Tokens', virtual: 'Virtual token' };
  var PERIOD = 30;
  var config = { simulator: false, publicCheck: false };
  var current = null;
  var screenStream = null; // the AbortController of the open screen stream

  function $(id) { return document.getElementById(id); }
  function qsa(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }

  // ---- the operator key -------------------------------------------------------------------

  function takeKeyFromFragment() {
    var h = location.hash;
    if (h.indexOf('#key=') !== 0) return;
    var k;
    try { k = decodeURIComponent(h.slice(5)); } catch { k = ''; }
    if (k) sessionStorage.setItem(KEY_STORE, k);
    history.replaceState(null, '', location.pathname + location.search + '#/assign');
  }

  function apiKey() { return sessionStorage.getItem(KEY_STORE) || ''; }

  function renderKeyBar() {
    var has = !!apiKey();
    $('key-form').hidden = has;
    $('key-set').hidden = !has;
  }

  function onUnauthorized() {
    sessionStorage.removeItem(KEY_STORE);
    renderKeyBar();
    $('key-error').textContent = 'The server needs the operator API key and did not accept the one this tab had (if any). Paste it here.';
    $('api-key').setAttribute('aria-invalid', 'true');
    $('api-key').focus();
  }

  $('key-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var k = $('api-key').value.trim();
    if (!k) {
      $('key-error').textContent = 'Paste the operator API key first.';
      $('api-key').setAttribute('aria-invalid', 'true');
      $('api-key').focus();
      return;
    }
    sessionStorage.setItem(KEY_STORE, k);
    $('api-key').value = '';
    $('api-key').removeAttribute('aria-invalid');
    $('key-error').textContent = '';
    renderKeyBar();
    refreshScreen();
    var h = document.querySelector('#screen-' + current + ' h1');
    if (h) h.focus();
  });

  $('key-forget').addEventListener('click', function () {
    sessionStorage.removeItem(KEY_STORE);
    renderKeyBar();
    $('api-key').focus();
  });

  // ---- talking to the API -----------------------------------------------------------------

  /** Calls the API; resolves with the JSON body, or rejects with {status, error, message, retryAfter}. */
  function api(method, path, body) {
    var headers = {};
    var k = apiKey();
    if (k) headers.authorization = 'Bearer ' + k;
    var init = { method: method, headers: headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        if (res.ok) return data;
        var err = {
          status: res.status,
          error: (data && data.error) || 'HttpError',
          message: (data && data.message) || 'The server answered HTTP ' + res.status + '.',
          retryAfter: Number(res.headers.get('retry-after')) || 0,
        };
        if (res.status === 401) onUnauthorized();
        throw err;
      });
    }, function () {
      throw { status: 0, error: 'NetworkError', message: 'The server cannot be reached. Is hwtotp still running?' };
    });
  }

  /** A sentence for a refusal: the server's message, plus what to do where it helps. */
  function explain(err) {
    var m = err.message;
    if (!/[.!?]$/.test(m)) m += '.';
    if (err.error === 'EntityTemporarilyUnmodifiable') {
      m += ' Try again in ' + (err.retryAfter || 'a few') + ' s, or resync the token, which clears the lock.';
    } else if (err.error === 'Throttling') {
      m += ' Wait ' + (err.retryAfter || 'a few') + ' s before the next try.';
    } else if (err.error === 'Unauthorized') {
      m = 'The operator API key is missing or wrong: paste it in the key field at the top.';
    }
    return m;
  }

  // ---- forms: inline errors and focus -----------------------------------------------------

  function normalizeCode(s) { return String(s).replace(/[\s-]/g, ''); }

  /**
   * A form helper. fields: {apiName: inputId}. byError: {ErrorName: [apiName, ...]}: the fields a
   * refusal belongs to; the first one gets the message.
   */
  function FormView(prefix, fields, byError, failure) {
    this.prefix = prefix;
    this.failure = failure;
    this.fields = fields;
    this.byError = byError;
    this.alert = $(prefix + '-alert');
  }

  FormView.prototype.clear = function () {
    this.alert.textContent = '';
    this.alert.classList.remove('shown');
    Object.keys(this.fields).forEach((f) => {
      $(this.fields[f]).removeAttribute('aria-invalid');
      var e = $(this.fields[f] + '-error');
      if (e) e.textContent = '';
    });
  };

  FormView.prototype.fieldError = function (field, message) {
    var id = this.fields[field];
    if (!id) return false;
    $(id).setAttribute('aria-invalid', 'true');
    var e = $(id + '-error');
    if (e && !e.textContent) e.textContent = message;
    return true;
  };

  /** Shows errors: [{field?, message}], focusing the first visible invalid field. */
  FormView.prototype.show = function (errors, alertText) {
    errors.forEach((e) => { if (e.field) this.fieldError(e.field, e.message); });
    var summary = alertText || errors.map(function (e) { return e.message; }).join(' ');
    this.alert.textContent = summary;
    this.alert.classList.add('shown');
    var first = null;
    Object.keys(this.fields).some((f) => {
      var el = $(this.fields[f]);
      if (el.getAttribute('aria-invalid') === 'true' && isVisible(el)) { first = el; return true; }
      return false;
    });
    if (first) first.focus();
  };

  /** Shows a refusal from the API on the fields it concerns. */
  FormView.prototype.refusal = function (err) {
    var errors = [];
    if (err.error === 'ValidationError') {
      // The server names the field first: "code1: must be 6 to 8 digits" (or "code1 must be ...").
      err.message.split('; ').forEach((part) => {
        var m = /^(\w+):? (.*)$/.exec(part);
        if (m && this.fields[m[1]]) errors.push({ field: m[1], message: labelOf(this.fields[m[1]]) + ' ' + m[2].replace(/\.$/, '') + '.' });
      });
    }
    var owners = this.byError[err.error] || [];
    var text = explain(err);
    // A fresh code refused at sign-in usually means a drifted clock: say what fixes it.
    if (this.prefix === 'signin' && err.error === 'InvalidAuthenticationCode' && !/already used/.test(err.message)) {
      text += ' If fresh codes keep failing, the token\'s clock may have drifted: resync it on the Resync screen.';
    }
    owners.forEach((f, i) => { if (i === 0) errors.push({ field: f, message: capitalize(text) }); else this.fieldError(f, ''); });
    this.show(errors, this.failure + ' ' + text);
  };

  function capitalize(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

  function labelOf(inputId) {
    var l = document.querySelector('label[for="' + inputId + '"]');
    return l ? l.textContent.trim() : inputId;
  }

  function isVisible(el) {
    for (var n = el; n && n !== document.body; n = n.parentElement) if (n.hidden) return false;
    return true;
  }

  function required(view, field, what) {
    var v = $(view.fields[field]).value.trim();
    return v ? null : { field: field, message: 'Enter the ' + what + '.' };
  }

  function codeProblem(view, field, label) {
    var v = normalizeCode($(view.fields[field]).value);
    if (!v) return { field: field, message: 'Enter ' + label + ' as shown on the token.' };
    if (!/^\d{6,8}$/.test(v)) return { field: field, message: label + ' must be 6 to 8 digits, as the token shows it.' };
    return null;
  }

  function busy(form, on) {
    qsa(form, 'button[type="submit"]').forEach(function (b) { b.disabled = on; b.setAttribute('aria-busy', on ? 'true' : 'false'); });
  }

  // ---- 1. Assign MFA device (wizard) -------------------------------------------------------

  var assign = new FormView('assign',
    { user: 'assign-user', deviceName: 'assign-device', kind: 'assign-kind-hw', serial: 'assign-serial', code1: 'assign-code1', code2: 'assign-code2' },
    {
      InvalidAuthenticationCode: ['code1', 'code2'], NoSuchEntity: ['serial'], EntityAlreadyExists: ['serial'],
      TokenDisabled: ['serial'], EntityTemporarilyUnmodifiable: ['serial'], LimitExceeded: ['user'], ClockSkew: ['code1', 'code2'],
    }, 'The MFA device was not added:');
  var step = 1;

  function showStep(n, focus) {
    step = n;
    qsa($('assign-form'), 'fieldset.step').forEach(function (fs) { fs.hidden = Number(fs.getAttribute('data-step')) !== n; });
    qsa(document, '[data-step-marker]').forEach(function (li) {
      var k = Number(li.getAttribute('data-step-marker'));
      if (k === n) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
      li.classList.toggle('done', k < n);
    });
    if (n === 3) loadSerialSuggestions();
    followScreen(); // step 3 shows the token; the others stop following it
    if (focus) document.querySelector('fieldset[data-step="' + n + '"] h2').focus();
  }

  function validateStep(n) {
    var errs = [];
    if (n === 1) {
      errs.push(required(assign, 'user', 'user name'));
      errs.push(required(assign, 'deviceName', 'device name'));
    } else if (n === 2) {
      if (!$('assign-kind-hw').checked) errs.push({ field: 'kind', message: 'Choose the type of MFA device: Hardware TOTP token.' });
    } else {
      errs.push(required(assign, 'serial', 'serial number from the back of the token'));
      var c1 = codeProblem(assign, 'code1', 'MFA code 1');
      var c2 = codeProblem(assign, 'code2', 'MFA code 2');
      errs.push(c1, c2);
      if (!c1 && !c2 && normalizeCode($('assign-code1').value) === normalizeCode($('assign-code2').value)) {
        errs.push({ field: 'code2', message: 'MFA code 2 must be the next code, not the same one: wait for the token to show a new code, then press again.' });
      }
    }
    errs = errs.filter(Boolean);
    if (errs.length) assign.show(errs);
    return errs.length === 0;
  }

  qsa($('assign-form'), '[data-next]').forEach(function (b) {
    b.addEventListener('click', function () {
      assign.clear();
      if (validateStep(step)) showStep(step + 1, true);
    });
  });
  qsa($('assign-form'), '[data-prev]').forEach(function (b) {
    b.addEventListener('click', function () { assign.clear(); showStep(step - 1, true); });
  });
  // Enter in a step-1/2 field means Next, not submit.
  $('assign-form').addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' || step === 3 || ev.target.tagName !== 'INPUT') return;
    ev.preventDefault();
    document.querySelector('fieldset[data-step="' + step + '"] [data-next]').click();
  });

  $('assign-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    assign.clear();
    if (step !== 3) return;
    if (!validateStep(3)) return;
    var body = {
      user: $('assign-user').value.trim(),
      deviceName: $('assign-device').value.trim(),
      serial: $('assign-serial').value.trim(),
      code1: normalizeCode($('assign-code1').value),
      code2: normalizeCode($('assign-code2').value),
    };
    var form = $('assign-form');
    busy(form, true);
    api('POST', '/api/mfa/enable', body).then(function (r) {
      form.hidden = true;
      $('assign-done').hidden = false;
      qsa(document, '[data-step-marker]').forEach(function (li) { li.removeAttribute('aria-current'); li.classList.add('done'); });
      $('assign-done-text').textContent = 'Token ' + r.serial + ' (' + body.deviceName + ') is now the MFA device of ' + body.user +
        ', since ' + fmtTime(r.enableDate) + '. Use it to sign in.';
      $('signin-user').value = body.user;
      $('resync-user').value = body.user;
      $('resync-serial').value = r.serial;
      document.querySelector('#assign-done h2').focus();
    }, function (err) { assign.refusal(err); }).then(function () { busy(form, false); });
  });

  $('assign-again').addEventListener('click', function () {
    $('assign-form').reset();
    $('assign-form').hidden = false;
    $('assign-done').hidden = true;
    assign.clear();
    showStep(1, true);
  });

  function loadSerialSuggestions() {
    if (!apiKey()) return;
    api('GET', '/api/mfa/devices').then(function (rows) {
      var dl = $('unassigned-serials');
      dl.textContent = '';
      rows.filter(function (r) { return !r.user && r.state === 'unassigned'; }).forEach(function (r) {
        var o = document.createElement('option');
        o.value = r.serial;
        dl.appendChild(o);
      });
    }, function () { /* suggestions are a convenience: the field still works */ });
  }

  // ---- 2. Sign in --------------------------------------------------------------------------

  var signin = new FormView('signin', { user: 'signin-user', code: 'signin-code' },
    { InvalidAuthenticationCode: ['code'], NoSuchEntity: ['user'], EntityTemporarilyUnmodifiable: ['code'], TokenDisabled: ['user'], Throttling: ['code'], ClockSkew: ['code'] },
    'Sign-in refused:');

  $('signin-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    signin.clear();
    $('signin-ok').textContent = '';
    var errs = [required(signin, 'user', 'user name'), codeProblem(signin, 'code', 'The MFA code')].filter(Boolean);
    if (errs.length) return signin.show(errs);
    var form = $('signin-form');
    busy(form, true);
    api('POST', '/api/mfa/check', { user: $('signin-user').value.trim(), code: normalizeCode($('signin-code').value) }).then(function (r) {
      askNextCode(false);
      // A public check answered without the key names no token: say only that it was accepted.
      $('signin-ok').textContent = 'Signed in: the code was accepted' + (r.serial ? ' (token ' + r.serial + ').' : '.');
      $('signin-code').value = '';
    }, function (err) {
      // NextCodeRequired: the code was far from where the token's clock was expected; its next
      // code signs in and resynchronizes it. Ask for it instead of reporting a failure.
      if (err.error === 'NextCodeRequired') {
        askNextCode(true);
        $('signin-code').value = '';
        $('signin-code').focus();
        return;
      }
      askNextCode(false);
      signin.refusal(err);
    }).then(function () { busy(form, false); });
  });

  function askNextCode(on) {
    $('signin-next').hidden = !on;
    document.querySelector('label[for="signin-code"]').textContent = on ? 'Next MFA code' : 'MFA code';
  }

  // ---- 3. Resync ---------------------------------------------------------------------------

  var resync = new FormView('resync', { user: 'resync-user', serial: 'resync-serial', code1: 'resync-code1', code2: 'resync-code2' },
    { InvalidAuthenticationCode: ['code1', 'code2'], NoSuchEntity: ['serial'], TokenDisabled: ['serial'], ClockSkew: ['code1', 'code2'] },
    'The token was not resynced:');

  $('resync-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    resync.clear();
    $('resync-ok').textContent = '';
    var errs = [required(resync, 'user', 'user name'), required(resync, 'serial', 'serial number'),
      codeProblem(resync, 'code1', 'MFA code 1'), codeProblem(resync, 'code2', 'MFA code 2')].filter(Boolean);
    if (errs.length) return resync.show(errs);
    var form = $('resync-form');
    busy(form, true);
    api('POST', '/api/mfa/resync', {
      user: $('resync-user').value.trim(), serial: $('resync-serial').value.trim(),
      code1: normalizeCode($('resync-code1').value), code2: normalizeCode($('resync-code2').value),
    }).then(function (r) {
      var d = typeof r.driftSteps === 'number' ? ' Its clock is ' + describeDrift(r.driftSteps) + '.' : '';
      $('resync-ok').textContent = 'Token ' + r.serial + ' is back in sync.' + d + ' Sign in with its next code.';
      $('resync-code1').value = '';
      $('resync-code2').value = '';
      $('signin-user').value = $('resync-user').value.trim();
    }, function (err) { resync.refusal(err); }).then(function () { busy(form, false); });
  });

  /** The clock model as the list gives it: drift now, and the rate once fitted ("2 min ahead, 40.1 ppm fast"). */
  function describeClock(r) {
    if (typeof r.driftNowSteps !== 'number') return '—';
    var rate = typeof r.ratePpm === 'number' ? ', ' + Math.abs(r.ratePpm).toFixed(1) + ' ppm ' + (r.ratePpm >= 0 ? 'fast' : 'slow') : '';
    return describeDrift(r.driftNowSteps) + rate;
  }

  function describeDrift(steps) {
    if (steps === 0) return 'on time';
    var s = Math.abs(steps) * PERIOD;
    var t = s >= 120 ? Math.round(s / 60) + ' min' : s + ' s';
    return t + (steps > 0 ? ' ahead' : ' behind');
  }

  // ---- 4. Tokens ---------------------------------------------------------------------------

  var filterTimer = null;

  function loadTokens() {
    var alert = $('tokens-alert');
    alert.textContent = '';
    alert.classList.remove('shown');
    var u = $('tokens-filter').value.trim();
    return api('GET', '/api/mfa/devices' + (u ? '?user=' + encodeURIComponent(u) : '')).then(renderTokens, function (err) {
      alert.textContent = explain(err);
      alert.classList.add('shown');
    });
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function renderTokens(rows) {
    var tbody = document.querySelector('#tokens-table tbody');
    tbody.textContent = '';
    $('tokens-empty').hidden = rows.length > 0;
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = r.serial;
      tr.appendChild(th);
      var st = cell(tr, '');
      var badge = document.createElement('span');
      badge.className = 'badge badge-' + r.state;
      badge.textContent = r.state;
      st.appendChild(badge);
      cell(tr, r.user || '—');
      cell(tr, r.deviceName || '—');
      var lu = cell(tr, r.lastUsed ? fmtAgo(r.lastUsed) : 'never');
      if (r.lastUsed) lu.title = fmtTime(r.lastUsed);
      cell(tr, describeClock(r));
      var locked = r.lockedUntil && new Date(r.lockedUntil).getTime() > Date.now();
      cell(tr, locked ? 'Locked until ' + fmtClock(r.lockedUntil) : 'Not locked', locked ? 'locked' : '');
      var actions = cell(tr, '');
      var h = document.createElement('button');
      h.type = 'button';
      h.textContent = 'History';
      h.setAttribute('aria-label', 'History of ' + r.serial);
      h.addEventListener('click', function () { showHistory(r.serial); });
      actions.appendChild(h);
      if (r.user) {
        var b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Deactivate';
        b.setAttribute('aria-label', 'Deactivate ' + r.serial + ' of ' + r.user);
        b.addEventListener('click', function () { confirmDeactivate(actions, r); });
        actions.appendChild(b);
      }
      tbody.appendChild(tr);
    });
  }

  /** The audit log of one token, newest first, below the table. */
  function showHistory(serial) {
    api('GET', '/api/audit?serial=' + encodeURIComponent(serial) + '&limit=30').then(function (rows) {
      var tbody = document.querySelector('#history-table tbody');
      tbody.textContent = '';
      rows.forEach(function (a) {
        var tr = document.createElement('tr');
        cell(tr, fmtTime(a.at));
        cell(tr, a.action);
        cell(tr, a.outcome + (a.reason ? ' (' + a.reason + ')' : ''), a.outcome === 'refused' ? 'locked' : '');
        cell(tr, a.user || '—');
        cell(tr, a.detail ? Object.keys(a.detail).map(function (k) { return k + ' ' + a.detail[k]; }).join(', ') : '');
        tbody.appendChild(tr);
      });
      $('history-title').textContent = 'History of ' + serial + (rows.length ? '' : ': nothing recorded yet');
      $('history').hidden = false;
      $('history-title').focus();
    }, function (err) {
      $('tokens-alert').textContent = explain(err);
      $('tokens-alert').classList.add('shown');
    });
  }

  function confirmDeactivate(td, r) {
    td.textContent = '';
    var q = document.createElement('span');
    q.textContent = 'Remove from ' + r.user + '? ';
    var yes = document.createElement('button');
    yes.type = 'button';
    yes.className = 'danger';
    yes.textContent = 'Yes, deactivate';
    var no = document.createElement('button');
    no.type = 'button';
    no.textContent = 'Cancel';
    td.appendChild(q);
    td.appendChild(yes);
    td.appendChild(no);
    yes.focus();
    no.addEventListener('click', function () { loadTokens().then(function () { $('tokens-refresh').focus(); }); });
    yes.addEventListener('click', function () {
      yes.disabled = true;
      api('POST', '/api/mfa/deactivate', { user: r.user, serial: r.serial }).then(function () {
        $('tokens-ok').textContent = 'Deactivated ' + r.serial + ': it is no longer an MFA device of ' + r.user + '.';
        return loadTokens();
      }, function (err) {
        $('tokens-alert').textContent = explain(err);
        $('tokens-alert').classList.add('shown');
      }).then(function () { $('tokens-refresh').focus(); });
    });
  }

  $('tokens-refresh').addEventListener('click', function () { $('tokens-ok').textContent = ''; loadTokens(); });
  $('tokens-filter').addEventListener('input', function () {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(loadTokens, 300);
  });

  // ---- Virtual token -----------------------------------------------------------------------

  /**
   * Shows the token's screen in every box: the pixels the firmware drew (a PNG from the server's
   * simulator, countdown bar included) when there are any, and the text lines, visible without
   * pixels and kept for screen readers (and tests) with them.
   */
  function renderOled(lines, png) {
    [$('virtual-screen')].concat(qsa(document, '[data-oled]')).forEach(function (box) {
      box.textContent = '';
      var text = (lines || []).filter(function (l) { return l.trim(); });
      if (png) {
        box.classList.add('pixels');
        var img = document.createElement('img');
        img.src = png;
        img.alt = text.length ? 'The token shows: ' + text.join(' / ') : 'The token\'s screen is off';
        box.appendChild(img);
      } else {
        box.classList.remove('pixels');
      }
      var words = document.createElement('div');
      if (png) words.className = 'visually-hidden';
      (lines || []).forEach(function (l) {
        var d = document.createElement('div');
        d.textContent = l;
        words.appendChild(d);
      });
      if (!text.length) {
        var d = document.createElement('div');
        d.className = 'off';
        d.textContent = '(screen off)';
        words.appendChild(d);
      }
      box.appendChild(words);
    });
  }

  /** The screens that show the token: the Virtual token page, and the forms that need its codes. */
  function showsToken() {
    return config.simulator && (current === 'virtual' || current === 'signin' || current === 'resync' || (current === 'assign' && step === 3));
  }

  /**
   * Follows the token's screen over Server-Sent Events (GET /api/sim/stream) while a screen that
   * shows it is open, and stops when none is. Read with fetch, not EventSource, so that the operator
   * key travels in the Authorization header as for every other call. Reconnects after 2 s if the
   * stream breaks.
   */
  function followScreen() {
    if (!showsToken() || document.hidden) { stopScreen(); return; }
    if (screenStream) return;
    var ctrl = new AbortController();
    screenStream = ctrl;
    var headers = {};
    var k = apiKey();
    if (k) headers.authorization = 'Bearer ' + k;
    fetch('/api/sim/stream', { headers: headers, signal: ctrl.signal }).then(function (res) {
      if (res.status === 401) { onUnauthorized(); throw new Error('unauthorized'); }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buf = '';
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) throw new Error('the screen stream ended');
          buf += decoder.decode(r.value, { stream: true });
          for (var i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            onScreenEvent(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (ctrl.signal.aborted) return;
      screenStream = null;
      setTimeout(followScreen, 2000);
    });
  }

  /** One SSE event: its `data:` lines joined are a JSON frame {lines, png}. */
  function onScreenEvent(text) {
    var data = text.split('\n').filter(function (l) { return l.indexOf('data: ') === 0; }).map(function (l) { return l.slice(6); }).join('\n');
    if (!data) return;
    var f = JSON.parse(data);
    renderOled(f.lines, f.png);
  }

  function stopScreen() {
    if (screenStream) screenStream.abort();
    screenStream = null;
  }

  function press(status) {
    $('virtual-alert').textContent = '';
    api('POST', '/api/sim/press').then(function (r) {
      renderOled(r.lines, r.png);
      var m = /(\d{3}) ?(\d{3})/.exec((r.lines || []).join(' '));
      if (status) status.textContent = m ? 'The token shows ' + m[1] + ' ' + m[2] + '.' : 'Pressed.';
    }, function (err) { $('virtual-alert').textContent = explain(err); });
  }

  $('virtual-press').addEventListener('click', function () { press($('virtual-status')); });
  qsa(document, '[data-press]').forEach(function (b) { b.addEventListener('click', function () { press(null); }); });

  // ---- countdown hint ----------------------------------------------------------------------

  function tick() {
    var now = Date.now() / 1000;
    var left = PERIOD - (now % PERIOD);
    qsa(document, '.countdown-seconds').forEach(function (s) { s.textContent = String(Math.ceil(left)); });
    qsa(document, '.bar-fill').forEach(function (b) { b.style.transform = 'scaleX(' + (left / PERIOD).toFixed(3) + ')'; });
  }

  // ---- time formatting ---------------------------------------------------------------------

  function toDate(v) { return typeof v === 'number' ? new Date(v) : new Date(String(v)); }
  function fmtTime(v) { var d = toDate(v); return isNaN(d.getTime()) ? String(v) : d.toLocaleString(); }
  function fmtClock(v) { var d = toDate(v); return isNaN(d.getTime()) ? String(v) : d.toLocaleTimeString(); }
  function fmtAgo(v) {
    var s = Math.round((Date.now() - toDate(v).getTime()) / 1000);
    if (!isFinite(s)) return String(v);
    if (s < 60) return 'just now';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return fmtTime(v);
  }

  // ---- routing -----------------------------------------------------------------------------

  function route(focus) {
    var m = /^#\/(\w+)/.exec(location.hash);
    var name = m && SCREENS.indexOf(m[1]) >= 0 ? m[1] : 'assign';
    if (name === 'virtual' && !config.simulator) name = 'assign';
    current = name;
    SCREENS.forEach(function (s) { $('screen-' + s).hidden = s !== name; });
    qsa(document, '[data-nav]').forEach(function (a) {
      if (a.getAttribute('data-nav') === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    document.title = TITLES[name] + ' · hwtotp console';
    refreshScreen();
    if (focus) $('screen-' + name).querySelector('h1').focus();
  }

  function refreshScreen() {
    if (current === 'tokens') loadTokens();
    followScreen();
    if (current === 'assign' && step === 3) loadSerialSuggestions();
  }

  // The skip link targets #main, which is not a route: handle it without touching the hash.
  document.querySelector('.skip').addEventListener('click', function (ev) {
    ev.preventDefault();
    var h = document.querySelector('#screen-' + current + ' h1');
    (h || $('main')).focus();
  });

  window.addEventListener('hashchange', function () { route(true); });
  document.addEventListener('visibilitychange', followScreen);

  takeKeyFromFragment();
  renderKeyBar();
  showStep(1, false);
  tick();
  setInterval(tick, 250);
  fetch('/api/config', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (c) {
    config = c;
    $('nav-virtual').hidden = !c.simulator;
    qsa(document, '[data-mini-token]').forEach(function (el) { el.hidden = !c.simulator; });
  }).catch(function () { /* older server: no virtual token */ }).then(function () {
    route(false);
    document.body.setAttribute('data-ready', 'true');
  });
})();
