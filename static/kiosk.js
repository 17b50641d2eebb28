// Hài Lòng counter kiosk (the only script of the service; citizen pages have
// none). It shows one screen at a time from the page's <template> elements,
// so the tablet never navigates and keeps working offline. Every submission
// is first put in a queue in localStorage with an idempotency key made here
// (crypto.getRandomValues), then sent in order; an item leaves the queue only
// when the server has acknowledged it (201 stored, 200 already stored) or
// refused it for good (4xx), so each one is stored exactly once.
(function () {
  'use strict';
  var app = document.getElementById('kiosk');
  if (!app) { return; }
  var view = document.getElementById('k-view');
  var queueEl = document.getElementById('k-queue');
  var netEl = document.getElementById('k-net');
  var cfg = {
    kiosk: app.dataset.kiosk,
    agency: app.dataset.agency,
    idle: (Number(app.dataset.idle) || 60) * 1000,
    interval: (Number(app.dataset.interval) || 5) * 1000,
    version: app.dataset.version
  };
  var QKEY = 'hailong.kiosk.queue'; // one queue per tablet, whichever kiosk it is paired as
  var lang = 'vi';
  var counter = '';
  var dirty = false;
  var idleTimer = 0, thanksTimer = 0, sendTimer = 0;
  var sending = false, lastSent = 0, backoff = 2000, offline = false;
  var memory = null; // the queue when localStorage is unavailable

  function shell() { return document.getElementById('k-shell-' + lang); }
  function text(name, n) { return (shell().dataset[name] || '').replace('{n}', String(n)); }

  // A fresh idempotency key: 128 random bits in hex, with a prefix.
  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    var s = 'k';
    for (var i = 0; i < b.length; i++) { s += ('0' + b[i].toString(16)).slice(-2); }
    return s;
  }

  // Screens.
  function show(id) {
    view.replaceChildren(document.getElementById(id).content.cloneNode(true));
    document.documentElement.lang = lang;
    window.scrollTo(0, 0);
    status();
  }
  function home() {
    clearTimeout(thanksTimer);
    counter = '';
    dirty = false;
    show('k-shell-' + lang);
  }
  function reset() {
    lang = 'vi';
    home();
  }
  function thanks() {
    show('k-shell-' + lang);
    view.querySelector('.k-home').hidden = true;
    view.querySelector('.k-thanks').hidden = false;
    clearTimeout(thanksTimer);
    thanksTimer = setTimeout(reset, Math.max(3000, cfg.interval));
  }
  function openForm(area) {
    var id = 'k-form-' + lang + '-' + area;
    if (!document.getElementById(id)) { return; }
    show(id);
    dirty = true;
  }

  // The quick rating: one tap, with the counter chosen before, if any.
  function rate(level) {
    enqueue({
      url: '/api/v1/kiosk/ratings', lang: lang,
      body: { idempotencyKey: newKey(), level: level, counter: counter || undefined, ratedAt: new Date().toISOString(), lang: lang }
    });
    thanks();
  }

  // The full questionnaire: every question answered (as on the citizen form),
  // else the unanswered ones are marked and nothing is sent.
  function sendForm(form) {
    var answers = {};
    var missing = [];
    form.querySelectorAll('fieldset.q').forEach(function (fs) {
      var old = fs.querySelector('p.k-err');
      if (old) { old.remove(); }
      fs.classList.remove('invalid');
      var r = fs.querySelector('input[type=radio]:checked');
      if (r) { answers[r.name.slice(2)] = Number(r.value); } else { missing.push(fs); }
    });
    var box = view.querySelector('.k-errors');
    if (missing.length) {
      missing.forEach(function (fs) {
        fs.classList.add('invalid');
        var p = document.createElement('p');
        p.className = 'err k-err';
        p.textContent = text('required');
        fs.querySelector('legend').after(p);
      });
      box.querySelector('.k-errcount').textContent = text('missing', missing.length);
      box.hidden = false;
      window.scrollTo(0, 0);
      box.focus();
      return;
    }
    var body = {
      agency: cfg.agency, area: form.dataset.area, formVersion: Number(form.dataset.version),
      answers: answers, channel: 'kiosk', idempotencyKey: newKey()
    };
    var comment = form.querySelector('textarea[name=comment]');
    if (comment && comment.value.trim()) { body.comment = comment.value; }
    var who = {};
    form.querySelectorAll('select').forEach(function (s) { if (s.value) { who[s.name] = s.value; } });
    if (Object.keys(who).length) { body.respondent = who; }
    enqueue({ url: '/api/v1/responses', lang: lang, body: body });
    thanks();
  }

  // The queue.
  function load() {
    try {
      return JSON.parse(localStorage.getItem(QKEY) || '[]');
    } catch (e) {
      return memory || [];
    }
  }
  function save(q) {
    try {
      localStorage.setItem(QKEY, JSON.stringify(q));
      memory = null;
    } catch (e) {
      memory = q;
    }
    status();
  }
  function enqueue(item) {
    var q = load();
    q.push(item);
    save(q);
    send(0);
  }
  // forget drops the item just answered (the first with its key; a copy
  // queued again is sent again, and acknowledged without a second record).
  function forget(item) {
    var q = load();
    for (var i = 0; i < q.length; i++) {
      if (q[i].body.idempotencyKey === item.body.idempotencyKey) {
        q.splice(i, 1);
        break;
      }
    }
    save(q);
  }
  function status() {
    var n = load().length;
    queueEl.hidden = n === 0;
    queueEl.textContent = n ? text('queued', n) : '';
    netEl.hidden = !offline;
    netEl.textContent = offline ? text('offline') : '';
  }
  function send(delay) {
    clearTimeout(sendTimer);
    sendTimer = setTimeout(sendNext, delay);
  }
  function retry() {
    send(backoff);
    backoff = Math.min(backoff * 2, 60000);
  }
  // sendNext sends the oldest item, no sooner than the kiosk's interval
  // after the previous one (the server enforces it too: 429).
  function sendNext() {
    if (sending) { return; }
    var q = load();
    if (!q.length) { return; }
    var wait = lastSent + cfg.interval - Date.now();
    if (wait > 0) { send(wait); return; }
    var item = q[0];
    sending = true;
    fetch(item.url, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': item.lang || 'vi' },
      body: JSON.stringify(item.body)
    }).then(function (res) {
      sending = false;
      offline = false;
      if (res.ok) { // 201 stored, or 200: this key was already stored
        lastSent = Date.now();
        backoff = 2000;
        forget(item);
        send(0);
      } else if (res.status === 429) {
        lastSent = Date.now();
        send((Number(res.headers.get('Retry-After')) || 5) * 1000);
      } else if (res.status === 401) {
        location.reload(); // unpaired: the pairing page; the queue stays
      } else if (res.status >= 500 || res.status === 408) {
        status();
        retry();
      } else { // refused for good: sending it again would not help
        if (window.console) { console.warn('kiosk: submission refused', res.status); }
        forget(item);
        send(0);
      }
    }, function () {
      sending = false;
      offline = true;
      status();
      retry();
    });
  }

  // Configuration: a changed kiosk reloads the page between citizens.
  function checkConfig() {
    fetch('/api/v1/kiosk/config', { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      if (res.status === 401 && !dirty) { location.reload(); return null; }
      return res.ok ? res.json() : null;
    }).then(function (c) {
      if (c && c.version !== cfg.version && !dirty && !load().length) { location.reload(); }
    }, function () {});
  }

  // Idle: back to the first screen, in Vietnamese, with nothing chosen.
  var pinned = false;
  function touch() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      if (dirty || lang !== 'vi') { reset(); }
    }, cfg.idle);
    if (!pinned) {
      // After a first touch, so the browser counts it: Back stays here.
      pinned = true;
      history.pushState(null, '', location.href);
      if (document.documentElement.requestFullscreen && !document.fullscreenElement) {
        document.documentElement.requestFullscreen().catch(function () {});
      }
    }
  }

  view.addEventListener('click', function (e) {
    var b = e.target.closest('button');
    if (!b || !view.contains(b)) { return; }
    if (b.classList.contains('k-lang')) {
      lang = b.dataset.lang;
      home();
      dirty = lang !== 'vi';
    } else if (b.classList.contains('k-counter')) {
      var on = b.getAttribute('aria-pressed') !== 'true';
      view.querySelectorAll('.k-counter').forEach(function (x) { x.setAttribute('aria-pressed', 'false'); });
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      counter = on ? b.dataset.counter : '';
      dirty = true;
    } else if (b.classList.contains('k-level')) {
      rate(b.dataset.level);
    } else if (b.classList.contains('k-open')) {
      openForm(b.dataset.area);
    } else if (b.classList.contains('k-cancel')) {
      home();
    }
  });
  view.addEventListener('submit', function (e) {
    e.preventDefault();
    sendForm(e.target);
  });
  ['pointerdown', 'keydown', 'input'].forEach(function (ev) {
    document.addEventListener(ev, touch, { capture: true, passive: true });
  });
  // No way out from inside the page: Back returns here, no context menu,
  // nothing to drag.
  window.addEventListener('popstate', function () { history.pushState(null, '', location.href); });
  document.addEventListener('contextmenu', function (e) { e.preventDefault(); });
  document.addEventListener('dragstart', function (e) { e.preventDefault(); });
  window.addEventListener('online', function () { backoff = 2000; send(0); });
  window.addEventListener('offline', function () { offline = true; status(); });
  window.addEventListener('storage', status);

  reset();
  touch();
  send(0);
  checkConfig();
  setInterval(checkConfig, 5 * 60 * 1000);
}());
