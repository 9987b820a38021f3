/* Hotspots — "Adresses à vérifier" on the planning map (planners): the geocoder's doubts (a street without a
 * number, an ambiguous name, a failure), oldest first. « Voir » draws a doubt's proposals as numbered markers;
 * a proposal is accepted from its popup, or the point is placed by hand with a click on the map and confirmed.
 * Each answer goes to /api/geocodage/verifications/{id}; the list is read again after it. A report's popup offers
 * « Remettre à vérifier » (H.doubtPlacement; a visit's and a permit's too) when its place is wrong although it
 * looked sure: it joins the list (POST /api/geocodage/verifications) and its proposals are shown at once, its
 * current place as number 1.
 * window.hotspotsVerifications summarises the panel (for people and for the browser test). Depends on carte.js
 * and planification.js. */
(function () {
  "use strict";
  var H = window.HotspotsCarte;
  var esc = H.esc;
  var URL = "/api/geocodage/verifications";
  var PAGE = 20;
  var state = (window.hotspotsVerifications = { total: null, listees: 0, ouverte: null, propositions: 0,
    placement: false, reglees: 0, derniere: null, erreur: null, doutes: 0 });

  function proposalIcon(n) {
    return L.divIcon({ className: "hs-proposition", html: "<span>" + esc(n) + "</span>", iconSize: [24, 24],
      iconAnchor: [12, 12] });
  }

  function describe(v) {
    return "<strong>" + esc(v.objet) + " n° " + esc(v.numero) + "</strong> — « " + esc(v.adresse || "sans adresse") +
      " » <span class='hs-motif'>(" + esc(v.motif || v.niveau || "à vérifier") + ")</span>";
  }

  H.verifications = function (map) {
    var box = document.getElementById("hs-verifs");
    if (!box) return; // a reader has no review panel
    // under the other panels on a phone (folded, one open at a time); bottom left on a wider screen, where the
    // left column is full on a small laptop
    H.intoControl(map, "hs-verifs", H.isNarrow() ? "topleft" : "bottomleft");
    var fold = box.querySelector("details");
    var list = document.getElementById("hs-verifs-liste");
    var count = document.getElementById("hs-verifs-compte");
    var group = L.layerGroup().addTo(map);
    var current = null; // the doubt shown on the map
    var start = 0;

    function close() {
      group.clearLayers();
      current = null;
      state.ouverte = null;
      state.propositions = 0;
      placing(false);
    }

    function placing(on) {
      state.placement = on;
      map.getContainer().classList.toggle("hs-placement", on);
    }

    /* An answer sent: the doubt is settled (the list is read again) or the reason is said where it was asked. */
    function settle(v, answer, where) {
      where.textContent = "Enregistrement…";
      return H.send(URL + "/" + encodeURIComponent(v.id), { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(answer) })
        .then(function (done) {
          state.reglees++;
          state.erreur = null;
          state.derniere = { verification: done.verification, lon: done.lon, lat: done.lat, libelle: done.libelle };
          map.closePopup();
          close();
          if (H.refreshReports) H.refreshReports(); // the report is drawn at its new place
          var place = done.libelle || "point placé à la main" + (done.commune ? " (" + done.commune + ")" : "");
          H.notice("verification", "Vérification n° " + done.verification + " réglée : " + done.objet + " n° " +
            done.id + " → " + place + (done.quasi_doublon_de ? " ; quasi-doublon du signalement n° " +
            done.quasi_doublon_de + " (autre source) : compté une fois" : "") + " (" + H.clock() + ").");
          return load();
        })
        .catch(function (err) {
          state.erreur = err.message;
          where.innerHTML = "<span class='hs-erreur' role='alert'>" + esc(err.message) + "</span>";
        });
    }

    function acceptButton(v, p) {
      var div = document.createElement("div");
      div.className = "hs-popup hs-verif-popup";
      div.innerHTML = "<h3>Proposition " + esc(p.numero) + (p.actuelle ? " (position actuelle)" : "") + "</h3><p>" +
        esc(p.adresse) + "</p><p>" +
        esc(p.niveau_libelle || p.niveau) +
        (p.score !== null && p.score !== undefined ? " ; confiance " + H.number(p.score, 2) : "") +
        "</p><button type='button'>" + (p.actuelle ? "Le laisser ici" : "Accepter cette adresse") + "</button><p class='hs-retour' role='status'></p>" +
        "<p class='hs-motif'>Ou cliquez sur la carte pour placer le " + esc(v.objet) + " ailleurs.</p>";
      div.querySelector("button").addEventListener("click", function () {
        settle(v, { proposition: p.numero }, div.querySelector(".hs-retour"));
      });
      return div;
    }

    /* Show one doubt: its proposals as numbered markers, and the map ready for a click that places the point. */
    function show(v, item) {
      close();
      current = v;
      state.ouverte = v.id;
      var bounds = [];
      v.propositions.forEach(function (p) {
        if (p.lon === null || p.lat === null) return;
        var marker = L.marker([p.lat, p.lon], { icon: proposalIcon(p.numero), title: p.adresse });
        marker.bindPopup(acceptButton(v, p));
        group.addLayer(marker);
        bounds.push([p.lat, p.lon]);
      });
      state.propositions = bounds.length;
      if (bounds.length) map.fitBounds(bounds, { maxZoom: 17, padding: [60, 60] });
      placing(true);
      list.querySelectorAll("li").forEach(function (li) { li.classList.remove("hs-choisie"); });
      if (item) item.classList.add("hs-choisie");
      H.status(bounds.length ? "Propositions numérotées sur la carte : cliquez-en une pour l'accepter, ou cliquez sur " +
        "la carte pour placer le point à la main." : "Aucune proposition : cliquez sur la carte pour placer le point.");
    }

    /* A click on the map while a doubt is shown: a popup at that spot asks to confirm the point. */
    map.on("click", function (ev) {
      if (!current) return;
      var v = current;
      var div = document.createElement("div");
      div.className = "hs-popup hs-verif-popup";
      div.innerHTML = "<p>Placer ici le " + esc(v.objet) + " n° " + esc(v.numero) + " (« " + esc(v.adresse || "") +
        " ») ?</p><button type='button'>Placer le point ici</button><p class='hs-retour' role='status'></p>";
      div.querySelector("button").addEventListener("click", function () {
        var at = ev.latlng;
        settle(v, { lon: Number(at.lng.toFixed(7)), lat: Number(at.lat.toFixed(7)) }, div.querySelector(".hs-retour"));
      });
      L.popup().setLatLng(ev.latlng).setContent(div).openOn(map);
    });

    function render(body) {
      state.total = body.total;
      state.listees = body.verifications.length;
      count.textContent = "(" + H.number(body.total) + ")";
      if (!body.total) {
        list.innerHTML = "<p>Aucune adresse à vérifier.</p>";
        return;
      }
      var ol = document.createElement("ol");
      ol.className = "hs-verifs";
      ol.start = start + 1;
      body.verifications.forEach(function (v) {
        var li = document.createElement("li");
        li.innerHTML = describe(v) + " <button type='button'>Voir</button>";
        li.querySelector("button").addEventListener("click", function () { show(v, li); });
        if (current && current.id === v.id) li.classList.add("hs-choisie");
        ol.appendChild(li);
      });
      list.innerHTML = "";
      list.appendChild(ol);
      var nav = document.createElement("p");
      var last = start + body.verifications.length;
      nav.innerHTML = H.number(start + 1) + " à " + H.number(last) + " sur " + H.number(body.total) + " ";
      if (start > 0) nav.appendChild(pager("← précédentes", start - PAGE));
      if (last < body.total) nav.appendChild(pager("suivantes →", last));
      list.appendChild(nav);
    }

    function pager(label, from) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", function () {
        start = Math.max(0, from);
        close();
        load();
      });
      return b;
    }

    function load() {
      return H.getJSON(URL + H.query({ limite: PAGE, debut: start }))
        .then(function (body) {
          if (!body.verifications.length && start > 0) { // the last one of a page was settled
            start = Math.max(0, start - PAGE);
            return load();
          }
          render(body);
          H.fitPanels(map);
        })
        .catch(function (err) {
          state.erreur = err.message;
          list.innerHTML = "<p class='hs-erreur' role='alert'>" + esc(err.message) + "</p>";
        });
    }

    /* « Remettre à vérifier » in the popup of a report, a visit or a permit (``objet``: signalement, visite,
     * permis): a reason (optional) and a button; the doubt sent, its proposals are shown on the map and the panel
     * opens on the list. */
    H.doubtPlacement = function (objet, id) {
      var div = document.createElement("div");
      div.className = "hs-doute";
      div.innerHTML = "<label>Mal placé ? <input type='text' maxlength='300' placeholder='motif (facultatif) : " +
        "en face, autre commune…'></label> <button type='button'>Remettre à vérifier</button>" +
        "<p class='hs-retour' role='status'></p>";
      var where = div.querySelector(".hs-retour");
      div.querySelector("button").addEventListener("click", function () {
        where.textContent = "Enregistrement…";
        var motif = div.querySelector("input").value.trim();
        H.send(URL, { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ objet: objet, numero: id, motif: motif || null }) })
          .then(function (v) {
            state.doutes++;
            state.erreur = null;
            map.closePopup();
            if (!fold.open) fold.open = true; // the list is read when the panel opens
            else load();
            show(v, null);
            var what = v.objet.charAt(0).toUpperCase() + v.objet.slice(1) + " n° " + v.numero;
            var feminine = v.objet === "visite" ? "e" : "";
            H.notice("verification", what + (v.nouvelle ? " remis" + feminine + " à vérifier" : " déjà à vérifier") +
              " (vérification n° " + v.id + ") : " +
              "acceptez une proposition ou cliquez sur la carte pour le placer (" + H.clock() + ").");
          })
          .catch(function (err) {
            state.erreur = err.message;
            where.innerHTML = "<span class='hs-erreur' role='alert'>" + esc(err.message) + "</span>";
          });
      });
      return div;
    };

    // on a phone a popup folds every panel (carte.js): the doubt shown stays on the map while its popup is open
    var popupOpen = false;
    map.on("popupopen", function () { popupOpen = true; });
    map.on("popupclose", function () { popupOpen = false; });
    fold.addEventListener("toggle", function () {
      if (fold.open) load();
      else if (!popupOpen) close();
    });
    map.on("keydown", function (ev) { if (ev.originalEvent.key === "Escape" && current) close(); });
    function recount() { // the count in the title, before it is opened
      return H.getJSON(URL + H.query({ limite: 1 })).then(function (body) {
        state.total = body.total;
        count.textContent = "(" + H.number(body.total) + ")";
      }).catch(function () { /* said when the panel is opened */ });
    }
    recount();
    /* A file imported from the map may add addresses to check: the count, and the list when it is open. */
    H.refreshVerifications = function () { return fold.open ? load() : recount(); };
  };

  var planning = H.planification;
  H.planification = function (map, tiles, config) {
    planning(map, tiles, config);
    H.verifications(map);
  };
})();
