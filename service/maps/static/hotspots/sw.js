/* Hotspots — the officers' map without network (a dead zone of the Condroz, a cellar, a tab the phone reloaded):
 * the map page, its scripts and the layers last seen are kept on the device, and given back when the service cannot
 * be reached. Always the network first: online, nothing kept is ever shown instead of the service's answer.
 *
 * Kept: the page /carte, its static files, the background, the reports of the views seen, the sensitive points,
 * the axes, the forecast and the shifts shown — no reporter, no description (those routes are not kept). An answer
 * given from the device carries « X-Hotspots-Garde-Le » (when it was kept): the page says it is offline and since
 * when. Logging out (/deconnexion) forgets everything kept, before the service is even asked. */
"use strict";

var CACHE = "hotspots-carte-1";
var KEPT = [
  /^\/carte$/,
  /^\/static\/carte\//,
  /^\/api\/carte\//,
  /^\/api\/points-sensibles$/,
  /^\/api\/axes$/,
  /^\/api\/prevision$/,
  /^\/api\/tournees\/\d+$/,
];
var KEPT_AT = "X-Hotspots-Garde-Le";
/* The report views kept: each view panned to is its own answer, so a day of panning would fill the device; the
 * latest ones are kept (``/sw.js?vues=N`` sets another number). */
var VIEWS = /^\/api\/carte\/signalements$/;
var MAX_VIEWS = Number(new URL(self.location.href).searchParams.get("vues")) || 150;
/* Logged out: nothing more is kept (an answer still on its way would be kept again after the forgetting) until
 * the map is opened again, logged in. */
var forgetting = false;

self.addEventListener("install", function () {
  self.skipWaiting(); // a new version takes over at once: it only ever adds a fallback
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

/* The oldest report views beyond the number kept, forgotten (the cache lists its entries in the order kept). */
function trimViews(cache) {
  return cache.keys().then(function (requests) {
    var views = requests.filter(function (r) { return VIEWS.test(new URL(r.url).pathname); });
    return Promise.all(views.slice(0, Math.max(0, views.length - MAX_VIEWS)).map(function (r) {
      return cache.delete(r);
    }));
  });
}

/* The answer as kept: its body and headers, and when. */
function kept(answer) {
  var headers = new Headers(answer.headers);
  headers.set(KEPT_AT, new Date().toISOString());
  return answer.blob().then(function (body) {
    return new Response(body, { status: answer.status, statusText: answer.statusText, headers: headers });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/deconnexion") { // forgotten first, whether the service answers or not
    forgetting = true;
    event.respondWith(caches.delete(CACHE).then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET" || !KEPT.some(function (path) { return path.test(url.pathname); })) return;
  var stored = null;
  var answered = fetch(request).then(function (answer) {
    // a login page the session expired to, an error: never kept in place of the map
    if (answer.ok && !answer.redirected && url.pathname === "/carte") forgetting = false; // logged in again
    if (answer.ok && !answer.redirected && !forgetting) {
      stored = kept(answer.clone()).then(function (keep) {
        if (forgetting) return null;
        return caches.open(CACHE).then(function (cache) {
          return cache.delete(request).then(function () { return cache.put(request, keep); }).then(function () {
            return VIEWS.test(url.pathname) ? trimViews(cache) : null;
          });
        });
      });
    }
    return answer;
  });
  event.respondWith(answered.catch(function (unreachable) {
    return caches.open(CACHE).then(function (cache) { return cache.match(request); }).then(function (found) {
      if (!found) throw unreachable;
      return found;
    });
  }));
  event.waitUntil(answered.then(function () { return stored; }, function () { return null; }));
});
