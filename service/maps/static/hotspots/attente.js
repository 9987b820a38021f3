/* Hotspots — visits kept on the device while the network is away (a dead zone in the Condroz, a basement, a
 * tunnel): a visit recorded on the map that cannot reach the service is kept in the browser's storage with the key
 * the device gave it, and sent again when the network comes back (the « online » event, every 30 s, and at the
 * next opening of the map). The service stores a visit sent twice only once (the same key), so a visit whose answer
 * was lost is never counted twice. Each officer's visits wait under their own login.
 * window.hotspotsAttente says how many wait and what became of the last ones (for people and for the browser
 * test). Depends on carte.js; used by planification.js (the visit form). */
(function () {
  "use strict";
  var H = window.HotspotsCarte;
  var STORE = "hotspots.visites_en_attente";
  var RETRY_MS = 30000;
  var state = (window.hotspotsAttente = { en_attente: 0, envoyees: 0, refusees: 0, derniere_erreur: null });
  var login = null;
  var words = {}; // visit outcomes' labels, to say a refused visit as the officer encoded it
  var flushing = null;

  function all() {
    try {
      var list = JSON.parse(window.localStorage.getItem(STORE) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function save(list) {
    try {
      window.localStorage.setItem(STORE, JSON.stringify(list));
    } catch (e) { /* a full or forbidden storage: the visit stays in the form's message */ }
  }

  function mine() {
    return all().filter(function (v) { return v.login === login; });
  }

  function remove(key) {
    save(all().filter(function (v) { return v.body.identifiant !== key; }));
  }

  function say() {
    var n = mine().length;
    state.en_attente = n;
    H.notice("attente", !n ? null : n + H.agree(n, " visite gardée sur cet appareil, envoyée",
      " visites gardées sur cet appareil, envoyées") + " dès que le réseau revient.");
  }

  /* A key per visit, given once by the device: what lets the service recognise the same visit sent again. */
  function newKey() {
    var random = "";
    var bytes = window.crypto && window.crypto.getRandomValues ? window.crypto.getRandomValues(new Uint8Array(8)) :
      null;
    for (var i = 0; i < 8; i++) random += ((bytes ? bytes[i] : Math.random() * 256) & 255).toString(16);
    return "v" + Date.now().toString(36) + random;
  }

  /* Still worth sending later: no answer at all, a server in trouble, or a session to open again. */
  function later(err) {
    return err.unreachable || err.status === 401 || err.status === 429 || err.status >= 500;
  }

  /* Send the visits kept on this device, oldest first, one at a time; stop at the first that cannot go yet. */
  function flush() {
    if (flushing) return flushing;
    var waiting = mine();
    if (!waiting.length) return Promise.resolve(0);
    var sent = 0;
    flushing = waiting.reduce(function (chain, visit) {
      return chain.then(function (go) {
        if (!go) return false;
        return H.send(visit.url, { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(visit.body) })
          .then(function (b) {
            remove(visit.body.identifiant);
            sent++;
            state.envoyees++;
            H.notice("attente_envoi", "Visite gardée du " + H.day(visit.body.date) + " (" + visit.lieu +
              ") envoyée : n° " + b.id + " (" + H.clock() + ")." + (b.hors_tournee ? " " + b.hors_tournee : ""));
            return true;
          }, function (err) {
            state.derniere_erreur = err.message;
            if (later(err)) {
              if (err.status === 401) H.notice("attente_envoi", "Reconnectez-vous : des visites attendent sur cet " +
                "appareil (rechargez la page).");
              return false;
            }
            remove(visit.body.identifiant); // refused for good (a place gone, a value refused): said, to encode anew
            state.refusees++;
            H.notice("attente_envoi", "Visite gardée du " + H.day(visit.body.date) + " (" + visit.lieu + ", " +
              (words[visit.body.resultat] || visit.body.resultat) + (visit.body.notes ? " : « " + visit.body.notes +
              " »" : "") + ") refusée par le service : " + err.message + " Encodez-la à nouveau.");
            return true;
          });
      });
    }, Promise.resolve(true)).then(function () {
      flushing = null;
      say();
      return sent;
    });
    return flushing;
  }

  H.attente = {
    newKey: newKey,
    flush: flush,
    /* Send one visit now; if it cannot go (no network, a server in trouble, a session to open again), keep it on
     * the device. The promise gives the stored visit, or { gardee: true, session } for a kept one; a refusal for
     * good is thrown as it came. */
    send: function (url, body, lieu) {
      return H.send(url, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body) })
        .catch(function (err) {
          if (!later(err) || !login) throw err;
          var list = all();
          list.push({ url: url, body: body, lieu: lieu || "", login: login, gardee_le: new Date().toISOString() });
          save(list);
          say();
          return { gardee: true, session: err.status === 401 };
        });
    },
  };

  var planning = H.planification;
  H.planification = function (map, tiles, config) {
    login = config.utilisateur || null;
    words = config.resultats || {};
    planning(map, tiles, config);
    say();
    flush();
    window.addEventListener("online", function () { flush(); });
    window.setInterval(function () { if (mine().length) flush(); }, RETRY_MS);
  };
})();
