/* Hotspots — the planning map: report heat map and clusters (aggregated by the server for the current view),
 * sensitive points, problem axes, visits, permits, commune and postcode-area boundaries; filters; popups with
 * stats, history and last visit; a visit form for planners. Depends on carte.js. */
(function () {
  "use strict";
  var H = window.HotspotsCarte;
  var esc = H.esc;

  /* The priority class of a point from its rank among the points shown: the top 20 % « très haute »... The
   * classes are tried from the highest threshold down (the style's keys arrive in alphabetical order). */
  function rankClasses(features, style) {
    var values = features.map(function (f) { return f.properties.priorite || 0; }).sort(function (a, b) { return a - b; });
    var classes = Object.keys(style.priorite)
      .map(function (k) { return L.extend({ code: k }, style.priorite[k]); })
      .sort(function (a, b) { return b.seuil - a.seuil; });
    return function (priority) {
      if (values.length < 2) return classes[0];
      var below = 0;
      while (below < values.length && values[below] < (priority || 0)) below++;
      var pct = below / (values.length - 1);
      for (var i = 0; i < classes.length; i++) if (pct >= classes[i].seuil) return classes[i];
      return classes[classes.length - 1];
    };
  }

  function trendStyle(style, trend) {
    var t = style.tendances;
    for (var k in t) if (t[k].codes.indexOf(trend) >= 0) return t[k];
    return t.inconnue;
  }

  /* A code as words (« en_intensification » → « en intensification »), from the page's vocabulary. */
  function words(table, code) {
    if (code === null || code === undefined || code === "") return "—";
    return esc(table[code] || String(code).replace(/_/g, " "));
  }

  function row(label, value, cls) {
    return "<tr" + (cls ? " class='" + cls + "'" : "") + "><th>" + esc(label) + "</th><td>" + value + "</td></tr>";
  }

  /* The visit form of a popup. Each visit carries a key the device gives it once (H.attente): sent again, it is
   * stored once; without network it is kept on the device and sent when the network comes back. */
  function visitForm(url, lieu, after, kept) {
    var tpl = document.getElementById("hs-form-visite");
    if (!tpl) return null;
    var form = tpl.content.firstElementChild.cloneNode(true);
    form.elements.date.value = H.nowField(); // now, in the service's time zone (as the server reads it)
    /* A form made long before it is used (a shift's stops are drawn at 8:00, visited at 11:00) takes the time again
     * each time its popup opens, unless the officer typed a date. */
    form.elements.date.addEventListener("input", function () { form.dataset.dateTapee = "1"; });
    form.refreshDate = function () {
      if (!form.dataset.dateTapee) form.elements.date.value = H.nowField();
    };
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var out = form.querySelector(".hs-retour");
      if (!form.dataset.cle && H.attente) form.dataset.cle = H.attente.newKey(); // kept if this sending fails
      var body = {
        date: form.elements.date.value,
        resultat: form.elements.resultat.value,
        agent: form.elements.agent.value || null,
        notes: form.elements.notes.value || null,
      };
      if (form.dataset.cle) body.identifiant = form.dataset.cle;
      var button = form.querySelector("button");
      button.disabled = true; // one visit per click, even when the server is slow
      out.textContent = "Enregistrement…";
      var sending = H.attente ? H.attente.send(url, body, lieu) :
        H.send(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      sending
        .then(function (b) {
          delete form.dataset.cle; // the next visit is another one
          if (b.gardee) {
            out.textContent = b.session ? "Session expirée : visite gardée sur cet appareil, envoyée quand vous " +
              "vous serez reconnecté (rechargez la page)." : "Pas de réseau : visite gardée sur cet appareil, " +
              "envoyée dès que le réseau revient.";
            form.reset();
            delete form.dataset.dateTapee;
            form.elements.date.value = body.date;
            if (kept) kept(body);
            return;
          }
          /* a stop of a shift cancelled meanwhile: the visit went to its site, and the officer is told so */
          var outside = b.hors_tournee ? " " + b.hors_tournee : "";
          out.textContent = "Visite enregistrée (n° " + b.id + ")." + outside;
          H.notice("visite", "Visite n° " + b.id + " enregistrée (" + H.clock() + ")." + outside);
          form.reset();
          delete form.dataset.dateTapee;
          form.elements.date.value = body.date;
          after(b, body);
        })
        .catch(function (err) {
          out.textContent = err.message;
        })
        .then(function () {
          button.disabled = false;
        });
    });
    return form;
  }

  H.visitForm = visitForm; // the stops of a shift take it too (tournee.js)

  /* The map kept on the device for a dead zone (sw.js): registered where the browser allows it (HTTPS, or the
   * machine itself); elsewhere the map works as before, online only. */
  function keepOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* online only, as before */ });
  }

  H.planification = function (map, tiles, config) {
    keepOffline();
    H.speak(config);
    var style = config.style;
    H.outcomeWords = function (code) { return config.resultats[code] || code; };
    var labels = config.libelles;
    /* A place in the page's address (/carte#lieu=4102, kept there when one is chosen: a bookmark or a link opens
     * the map on it); one the zone does not have is left aside. */
    function placeInAddress() {
      var match = /(?:^|[#&])lieu=([^&]*)/.exec(window.location.hash);
      if (!match) return null; // no place in the address (a link to a site or a shift keeps the filters)
      var value = decodeURIComponent(match[1]);
      return placeNamed(value) ? value : "";
    }
    /* The filter's place of that value (a commune's name, a sector's postcode), or undefined. */
    function placeNamed(value) {
      return (config.lieux || []).filter(function (p) { return p.valeur === value; })[0];
    }
    function rememberPlace(value) {
      var rest = window.location.hash.replace(/^#/, "").split("&").filter(function (part) {
        return part && part.indexOf("lieu=") !== 0;
      });
      if (value) rest.push("lieu=" + encodeURIComponent(value));
      var hash = rest.length ? "#" + rest.join("&") : "";
      window.history.replaceState(null, "", window.location.pathname + window.location.search + hash);
    }
    /* Where the address register places a report, named as the « Lieu » filter names it (« 4102 Ougrée »; a
     * postcode the zone does not know, « 4000 Liège »; no postcode, the commune): what a place filter finds it by. */
    function registerPlace(commune, postcode) {
      var sector = placeNamed(postcode);
      if (sector && sector.couche === "secteurs") return sector.libelle;
      return [postcode, commune].filter(Boolean).join(" ") || "—";
    }
    var filters = { depuis: config.depuis, jusqu_a: "", categorie: "", lieu: placeInAddress() || "" };
    var fondUrl = "/api/carte/fond/";
    var bases = H.background(map, tiles, config, fondUrl);
    // sensitive points above the axes and the heat map, below the report bubbles (whose numbers stay readable)
    map.createPane("hs-points").style.zIndex = 450;
    // the outline of the place chosen in the filters: above the commune limits it may follow, below the points
    map.createPane("hs-lieu").style.zIndex = 420;
    H.intoControl(map, "hs-entete", "topleft");
    H.intoControl(map, "hs-filtres", "topleft");
    H.intoControl(map, "hs-legende", "bottomright");

    /* One request per view feeds both report layers. */
    var pending = null;
    var pendingKey = null;
    function reports() {
      var params = H.viewParams(map);
      params.depuis = filters.depuis;
      params.jusqu_a = filters.jusqu_a;
      params.categorie = filters.categorie;
      params.lieu = filters.lieu;
      var key = H.query(params);
      if (key !== pendingKey) {
        pendingKey = key;
        pending = H.getJSON("/api/carte/signalements" + key).then(function (data) {
          var what = data.mode === "points" ? "un par un" : "en mailles de " + H.number(data.taille_m) + " m";
          H.status(H.number(data.total) + " signalements dans la vue (" + what + ").");
          window.hotspotsVue = { mode: data.mode, total: data.total, taille_m: data.taille_m };
          return data;
        });
      }
      return pending;
    }

    var heat = new H.Overlay(map, "chaleur", "Carte de chaleur des signalements", function (group) {
      return reports().then(function (data) {
        group.clearLayers();
        var values = data.chaleur.map(function (c) { return c[2]; }).sort(function (a, b) { return a - b; });
        var max = values.length ? values[Math.floor(values.length * 0.95)] || 1 : 1;
        group.addLayer(L.heatLayer(data.chaleur, { radius: 22, blur: 18, max: max, minOpacity: 0.25 }));
        return data.chaleur.length;
      });
    });

    var clusters = new H.Overlay(map, "groupes", "Signalements groupés", function (group) {
      return reports().then(function (data) {
        if (data.mode === "points") {
          return H.geojsonInto(group, data, {
            pointToLayer: function (f, latlng) {
              return L.circleMarker(latlng, { radius: 5, color: "#fff", weight: 1, fillColor: "#333",
                fillOpacity: 0.85, className: "hs-signalement" });
            },
            onEachFeature: function (f, layer) {
              var p = f.properties;
              layer.bindPopup(function () { // a planner may send a misplaced report back to the review list
                var div = document.createElement("div");
                div.innerHTML = "<h3>Signalement n° " + esc(p.id) + "</h3><table>" +
                  row("Catégorie", esc(config.categories[p.categorie] || p.categorie)) + row("Date", H.day(p.date)) +
                  row("Statut", esc(p.statut)) + row("Adresse", esc(p.adresse || "—")) +
                  row("Lieu (registre)", esc(registerPlace(p.commune, p.code_postal))) +
                  (p.forme ? row("Forme", "dessinée dans le fichier importé : son contour sur la carte") : "") + "</table>" +
                  H.goThere(layer.getLatLng().lat, layer.getLatLng().lng, p.adresse || "Signalement n° " + p.id);
                if (H.doubtPlacement) div.appendChild(H.doubtPlacement("signalement", p.id));
                return div;
              });
              /* drawn as a shape in a GIS file (a building's footprint, a stretch of pavement): its outline while
               * the popup is open, the point standing inside it */
              if (p.forme) {
                var outline = null;
                layer.on("popupopen", function () {
                  H.getJSON("/api/signalements/" + encodeURIComponent(p.id)).then(function (detail) {
                    var shape = detail.properties && detail.properties.forme;
                    if (!shape || !layer.isPopupOpen()) return;
                    if (outline) map.removeLayer(outline);
                    outline = L.geoJSON(shape, { interactive: false, style: { color: "#333", weight: 2,
                      dashArray: "4 3", fillColor: "#333", fillOpacity: 0.12, className: "hs-forme-dessinee" } })
                      .addTo(map);
                  }, function () { /* the point alone, as before */ });
                });
                layer.on("popupclose", function () {
                  if (outline) map.removeLayer(outline);
                  outline = null;
                });
              }
            },
          });
        }
        return H.geojsonInto(group, data, {
          pointToLayer: function (f, latlng) {
            var n = f.properties.n;
            var size = Math.round(26 + 8 * Math.log10(n));
            var marker = L.marker(latlng, {
              icon: L.divIcon({ className: "hs-bulle", html: "<span>" + esc(H.number(n)) + "</span>",
                iconSize: [size, size] }),
              title: n + " signalements",
            });
            marker.on("click", function () { map.setView(latlng, Math.min(map.getZoom() + 2, 18)); });
            return marker;
          },
        });
      });
    });

    /* The ids of the sensitive points or axes of the place chosen in the filters, by the server's place rule (a
     * point's nearest official address, the sectors an axis's street runs through), or null for the whole zone: the
     * others stay drawn, faded, so that a site just across the line is still seen. */
    function placeIds(url, params) {
      if (!filters.lieu) return Promise.resolve(null);
      return H.getJSON(url + H.query(L.extend({ lieu: filters.lieu }, params))).then(function (data) {
        var ids = {};
        data.features.forEach(function (f) { ids[f.properties.id] = true; });
        return ids;
      });
    }
    var FADED = { opacity: 0.35, fillOpacity: 0.12 };

    var pointsLayer = new H.Overlay(map, "points_sensibles", "Points sensibles", function (group) {
      var params = { categorie: filters.categorie };
      return Promise.all([
        H.getJSON("/api/points-sensibles" + H.query(params)), placeIds("/api/points-sensibles", params),
      ]).then(function (both) {
        var data = both[0], inPlace = both[1];
        group.clearLayers();
        // the priority class is the point's rank in the whole zone, whatever the place: « très haute » means the same
        var classOf = rankClasses(data.features, style);
        data.features.forEach(function (f) {
          var p = f.properties;
          var cls = classOf(p.priorite);
          var tr = trendStyle(style, p.tendance);
          var away = inPlace !== null && !inPlace[p.id];
          var look = L.extend({ color: tr.couleur, weight: tr.epaisseur, dashArray: tr.tirets ? "6 5" : null,
            fillColor: cls.couleur, fillOpacity: 0.65, className: "hs-point-sensible" + (away ? " hs-hors-lieu" : ""),
            pane: "hs-points" }, away ? FADED : {});
          var shape = L.geoJSON(f, { pane: "hs-points", style: function () { return look; } });
          var centre = L.circleMarker([p.point.coordinates[1], p.point.coordinates[0]],
            L.extend({}, look, { radius: 8, fillOpacity: away ? FADED.fillOpacity : 0.9,
              className: "hs-point-sensible-centre hs-priorite-" + cls.code + " hs-ps-" + String(p.id).replace(/\W/g, "_") +
                (away ? " hs-hors-lieu" : "") }));
          [shape, centre].forEach(function (layer) {
            layer.bindPopup("Chargement…", { maxWidth: 380 });
            onceOpened(layer, function (popup) { pointPopup(popup, p.id); });
            group.addLayer(layer);
          });
        });
        return data.features.length;
      });
    });

    /* A site's popup is filled once each time it opens: an « open » told twice while it stays open would fill it
     * anew, and lose the answer to a form sent meanwhile (« Intervention n° 12 notée ») with the old content —
     * what a test on a loaded machine saw now and then, from a cause not pinned down. */
    function onceOpened(layer, fill) {
      layer.on("popupopen", function (ev) {
        if (ev.popup._hsFilling) return;
        ev.popup._hsFilling = true;
        fill(ev.popup);
      });
      layer.on("popupclose", function (ev) { ev.popup._hsFilling = false; });
    }

    /* The priority in words: the product of its three named factors, each with what it means on the ground.
     * ``last``: a point's last report, which says why nothing is expected at a place that has stopped. */
    function whyPriority(parts, outcome, axis, last) {
      if (!parts || parts.gravite === undefined) return "—";
      /* an axis is not ranked on the reports of a sensitive point it crosses (the point is the site) */
      if (axis && !parts.prevision) {
        return "aucun signalement attendu hors des points sensibles qu'il traverse (ils y sont comptés)";
      }
      /* a point whose reports stopped, well below what was expected of it (service/analyse/place_forecast.py) */
      if (!axis && !parts.prevision && last) {
        return "aucun signalement attendu en 3 mois : aucun depuis le " + H.day(last) +
          ", bien moins que ce que le lieu recevait (le lieu a changé)";
      }
      var expected = Math.max(0, Math.exp(parts.prevision) - 1);
      var visit = outcome ? words(config.resultats, outcome) : "jamais visité";
      return "gravité " + H.number(parts.gravite, 2) + " (catégories du point) × prévision " +
        H.number(parts.prevision, 2) + " (≈ " + H.number(expected, 0) + " signalements attendus en 3 mois) × " +
        "suite de visite " + H.number(parts.suite_visite, 2) + " (" + visit + ")";
    }

    function pointPopup(popup, id) {
      H.getJSON("/api/points-sensibles/" + encodeURIComponent(id)).then(function (f) {
        var p = f.properties;
        var last = (p.visites || [])[0];
        var html = "<h3>" + esc(p.id) + " — " + esc(p.adresse || "") + "</h3><table>" +
          row("État", words(labels.etats, p.etat)) + row("Priorité", H.number(p.priorite, 1), "hs-priorite") +
          row("Pourquoi", whyPriority(p.composantes_priorite, last && last.resultat, false, p.dernier), "hs-pourquoi") +
          row("Tendance", words(labels.tendances, p.tendance)) + row("Signalements", H.number(p.signalements)) +
          row("Catégorie principale", esc(config.categories[p.categorie_principale] || p.categorie_principale)) +
          row("Période", H.day(p.premier) + " → " + H.day(p.dernier)) +
          row("Semaines actives", H.number(p.semaines_actives)) +
          row("Dernière visite", lastVisit(last), "hs-derniere-visite") + "</table>" +
          H.goThere(popup.getLatLng().lat, popup.getLatLng().lng, p.adresse || p.id) + effectBlock(p.id, last);
        var hist = (p.historique || []).slice(-6).reverse();
        if (hist.length) {
          html += "<h4>Historique des analyses</h4><table class='hs-historique'><tr><th>date</th><th>état</th>" +
            "<th>tendance</th><th>signal.</th><th>priorité</th></tr>" + hist.map(function (h) {
              return "<tr><td>" + H.day(h.date) + "</td><td>" + words(labels.etats, h.etat) + "</td><td>" +
                words(labels.tendances, h.tendance) + "</td><td>" + H.number(h.signalements) +
                "</td><td>" + H.number(h.priorite, 1) + "</td></tr>";
            }).join("") + "</table>";
        }
        show(popup, html, "/api/points-sensibles/" + encodeURIComponent(id) + "/visites", function (box) {
          newPriority(box, "/api/points-sensibles/" + encodeURIComponent(id), p.priorite);
        }, "point " + id, id);
      }).catch(function (err) { popup.setContent(esc(err.message)); });
    }

    /* A visit changes the point's priority at once (its « suite de visite » factor): the popup shows the new one. */
    function newPriority(box, url, before) {
      var cell = box.querySelector(".hs-priorite td");
      if (!cell) return;
      H.getJSON(url).then(function (f) {
        var now = f.properties.priorite, last = (f.properties.visites || [])[0];
        cell.textContent = H.number(now, 1) + (now !== before ? " (avant la visite : " + H.number(before, 1) + ")" : "");
        var why = box.querySelector(".hs-pourquoi td");
        if (why) {
          why.innerHTML = whyPriority(f.properties.composantes_priorite, last && last.resultat,
            url.indexOf("/api/axes/") === 0, f.properties.dernier);
        }
      }).catch(function (err) { cell.textContent += " (" + err.message + ")"; });
    }

    /* « L'action a-t-elle servi ? » under a visited point or axis: opened, it asks /api/effet for the place's
     * reports before and after its latest intervention (else its first visit), beside the rest of the zone and
     * the ring around it. */
    function effectBlock(id, last) {
      if (!last) return "";
      return "<details class='hs-effet' data-lieu='" + esc(id) + "'><summary>L'action a-t-elle servi ?</summary>" +
        "<p class='hs-effet-texte'>Calcul…</p></details>";
    }

    /* A planner notes what was put in place at the site (a camera, a sign...); the effect block is then asked again,
     * from that day (and added to a site never visited). */
    function interventionForm(id, box) {
      var tpl = document.getElementById("hs-form-intervention");
      if (!tpl) return null;
      var wrap = tpl.content.firstElementChild.cloneNode(true);
      var form = wrap.querySelector("form");
      form.elements.date.value = H.nowField().slice(0, 10); // today, in the service's time zone
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var out = form.querySelector(".hs-retour"), button = form.querySelector("button");
        var body = { lieu: id, type: form.elements.type.value, date: form.elements.date.value,
          note: form.elements.note.value || null };
        button.disabled = true;
        out.textContent = "Enregistrement…";
        H.send("/api/interventions", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body) })
          .then(function (b) {
            out.textContent = "Intervention n° " + b.id + " notée : " + b.libelle.toLowerCase() + ", le " +
              H.day(b.debut) + ".";
            form.elements.note.value = "";
            var old = box.querySelector("details.hs-effet");
            var fresh = document.createElement("div");
            fresh.innerHTML = effectBlock(id, true);
            if (old) old.replaceWith(fresh.firstChild); else wrap.parentNode.insertBefore(fresh.firstChild, wrap);
            watchEffect(box);
            noted.refresh();
          })
          .catch(function (err) { out.textContent = err.message; })
          .then(function () { button.disabled = false; });
      });
      return wrap;
    }

    function watchEffect(box) {
      var block = box.querySelector("details.hs-effet");
      if (!block) return;
      block.addEventListener("toggle", function () {
        if (!block.open || block.dataset.lu) return;
        block.dataset.lu = "1";
        var out = block.querySelector(".hs-effet-texte");
        H.getJSON("/api/effet" + H.query({ lieu: block.dataset.lieu })).then(function (e) {
          var counts = function (name, c) {
            return "<tr><th>" + esc(name) + "</th><td>" + H.number(c.avant) + " → " + H.number(c.apres) + "</td></tr>";
          };
          out.innerHTML = esc(e.phrases[1] || "") + " " + esc(e.phrases[2] || "");
          var table = document.createElement("table");
          table.className = "hs-effet-comptes";
          table.innerHTML = counts("Le lieu", e.lieu_compte) + counts("Autour (" + H.number(e.tampon_m) + " m)",
            e.tampon) + counts("Reste de la zone", e.temoin);
          block.insertBefore(table, out);
          var when = document.createElement("p");
          when.className = "hs-effet-quand";
          when.textContent = e.phrases[0];
          block.insertBefore(when, table);
          var sheet = document.createElement("a");
          sheet.href = "/api/effet" + H.query({ lieu: block.dataset.lieu, format: "pdf" });
          sheet.target = "_blank";
          sheet.rel = "noopener";
          sheet.textContent = "Fiche à imprimer (PDF)";
          block.appendChild(sheet);
        }).catch(function (err) { out.textContent = err.message; });
      });
    }

    function lastVisit(v) {
      return v ? H.day(v.date) + " : " + esc(config.resultats[v.resultat] || v.resultat) : "jamais";
    }

    /* The popup stays open after a visit is recorded, so that the officer reads the confirmation and the new
     * "last visit"; points and axes (which hold the popup) are reloaded once it is closed. ``site`` (a point's or
     * an axis's id) adds « Noter une intervention ». */
    function show(popup, html, postUrl, saved, lieu, site) {
      var box = document.createElement("div");
      box.className = "hs-popup";
      box.innerHTML = html;
      var form = visitForm(postUrl, lieu, function (visit, sent) {
        var cell = box.querySelector(".hs-derniere-visite td");
        if (cell) cell.innerHTML = lastVisit({ date: sent.date, resultat: sent.resultat });
        if (saved) saved(box);
        visits.refresh();
        map.once("popupclose", function () { pointsLayer.refresh(); axes.refresh(); });
      });
      if (form) box.appendChild(form);
      var noteForm = site && interventionForm(site, box);
      if (noteForm) box.appendChild(noteForm);
      var meeting = site && meetingButton(site);
      if (meeting) box.appendChild(meeting);
      watchEffect(box);
      popup.setContent(box);
    }

    /* « Rendez-vous ici » (a planner's map): the site goes into the shift form's appointments, the form opens with
     * the cursor after it for the hour (« PS-0003 10h30 »). */
    function meetingButton(site) {
      var form = document.getElementById("hs-tournee");
      if (!form || !form.elements.rendez_vous) return null;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "hs-rdv-ici";
      button.textContent = "Rendez-vous ici (tournée)";
      button.addEventListener("click", function () {
        var field = form.elements.rendez_vous;
        var before = field.value.replace(/[\s;]+$/, "");
        field.value = (before ? before + " ; " : "") + site + " ";
        var panel = form.querySelector("details");
        if (panel) panel.open = true;
        map.closePopup();
        field.focus();
        field.setSelectionRange(field.value.length, field.value.length);
      });
      return button;
    }

    var axes = new H.Overlay(map, "axes", "Axes problématiques", function (group) {
      return Promise.all([H.getJSON("/api/axes"), placeIds("/api/axes", {})]).then(function (both) {
        var inPlace = both[1];
        return H.geojsonInto(group, both[0], {
          style: function (f) {
            var rate = f.properties.taux_100m || 0;
            var away = inPlace !== null && !inPlace[f.properties.id];
            return { color: style.axe, weight: Math.min(14, 2 + 2 * Math.sqrt(rate)),
              opacity: away ? FADED.opacity : 0.8, className: "hs-axe" + (away ? " hs-hors-lieu" : "") };
          },
          onEachFeature: function (f, layer) {
            layer.bindPopup("Chargement…", { maxWidth: 380 });
            onceOpened(layer, function (popup) { axisPopup(popup, f.properties.id); });
          },
        });
      });
    });

    function axisPopup(popup, id) {
      H.getJSON("/api/axes/" + encodeURIComponent(id)).then(function (f) {
        var p = f.properties;
        var last = (p.visites || [])[0];
        var html = "<h3>" + esc(p.rue) + " (" + esc(p.commune) + ")</h3><table>" +
          row("Axe", esc(p.id)) + row("Longueur", H.number(p.longueur_m) + " m (" + H.number(p.troncons) + " tronçons)") +
          row("Signalements", H.number(p.signalements) + " ; attendu " + H.number(p.attendu, 1)) +
          row("Par 100 m", H.number(p.taux_100m, 2) + " (× " + H.number(p.rapport, 1) + " l'attendu)") +
          row("Priorité", H.number(p.priorite, 1), "hs-priorite") +
          row("Pourquoi", whyPriority(p.composantes_priorite, last && last.resultat, true), "hs-pourquoi") +
          row("Dernière visite", lastVisit(last), "hs-derniere-visite") + "</table>" +
          H.goThere(popup.getLatLng().lat, popup.getLatLng().lng, p.rue) + effectBlock(p.id, last); // where clicked
        show(popup, html, "/api/axes/" + encodeURIComponent(id) + "/visites", function (box) {
          newPriority(box, "/api/axes/" + encodeURIComponent(id), p.priorite);
        }, "axe " + id, id);
      }).catch(function (err) { popup.setContent(esc(err.message)); });
    }

    var visits = new H.Overlay(map, "visites", "Visites et résultats", function (group) {
      var params = { depuis: filters.depuis, jusqu_a: filters.jusqu_a, categorie: filters.categorie, lieu: filters.lieu,
        limite: 5000 };
      return H.getJSON("/api/visites" + H.query(params)).then(function (data) {
        return H.geojsonInto(group, data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 6, color: "#222", weight: 1,
              fillColor: style.resultats[f.properties.resultat] || "#777", fillOpacity: 0.95, className: "hs-visite" });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindPopup(function () {
              var div = document.createElement("div");
              div.innerHTML = "<h3>Visite du " + H.day(p.date) + "</h3><table>" +
                row("Résultat", esc(config.resultats[p.resultat] || p.resultat)) + row("Agent", esc(p.agent || "—")) +
                row("Lieu", esc(p.adresse || "—")) + row("Point / axe", esc(p.point_sensible || p.axe || "—")) +
                row("Notes", esc(p.notes || "—")) + "</table>";
              if (H.doubtPlacement) div.appendChild(H.doubtPlacement("visite", p.id));
              return div;
            });
          },
        });
      });
    });

    var permits = new H.Overlay(map, "permis", "Permis", function (group) {
      return H.getJSON("/api/permis?limite=5000").then(function (data) {
        return H.geojsonInto(group, data, {
          pointToLayer: function (f, latlng) {
            var kind = style.permis[f.properties.type] || { couleur: "#555" };
            return L.marker(latlng, { icon: L.divIcon({ className: "hs-permis",
              html: "<span style='background:" + kind.couleur + "'>P</span>", iconSize: [18, 18] }) });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            var html = "<h3>Permis " + esc(p.reference) + "</h3><table>" +
              row("Type", esc(p.type) + (p.classe ? " (classe " + esc(p.classe) + ")" : "")) +
              row("Exploitant", esc(p.exploitant || "—")) + row("Activité", esc(p.activite || "—")) +
              row("Adresse", esc(p.adresse || "—")) + row("Décision", H.day(p.decision)) +
              row("Valide jusqu'au", H.day(p.valide_jusqu_au)) +
              row("Heures d'ouverture", esc(p.heures_ouverture || "celles du service (réglage)")) + "</table>";
            layer.bindPopup(html + "<p class='hs-nuisances'>Nuisances liées : chargement…</p>", { maxWidth: 380 });
            layer.on("popupopen", function (ev) { permitPopup(ev.popup, p.id, html); });
          },
        });
      });
    });

    /* A permit's popup: the reports linked to the facility, their trend, the visits made there, and whether the
     * permit is due for a check (service/permits). */
    function permitPopup(popup, id, head) {
      H.getJSON("/api/permis/" + encodeURIComponent(id) + "/nuisances").then(function (r) {
        var s = r.signalements;
        var cats = r.categories_concernees.map(function (c) { return esc(c.libelle || c.code); }).join(", ");
        var html = head + "<table class='hs-nuisances'>" +
          row("Signalements liés", H.number(s.total) + " (à moins de " + H.number(r.distance_lien_m) + " m : " + cats + ")") +
          row("Tendance", esc(r.tendance.mots)) +
          row("Visites sur place", r.visites.length ? r.visites.slice(0, 3).map(function (v) {
            return H.day(v.date) + " : " + esc(v.libelle || v.resultat);
          }).join("<br>") : "aucune") +
          row("À suivre", r.suivi.a_suivre ? esc(r.suivi.raisons.join(" ; ")) : "non") + "</table>";
        popup.setContent(withDoubt(html, id));
      }).catch(function (err) { popup.setContent(withDoubt(head + "<p>" + esc(err.message) + "</p>", id)); });
    }

    /* A permit's popup with « Remettre à vérifier » and « Rendez-vous ici » under it, for a planner (a check is
     * often booked with the company). */
    function withDoubt(html, id) {
      var div = document.createElement("div");
      div.innerHTML = html;
      if (H.doubtPlacement) div.appendChild(H.doubtPlacement("permis", id));
      var meeting = meetingButton("PER-" + id);
      if (meeting) div.appendChild(meeting);
      return div;
    }

    /* What was put in place at a site (a camera, a sign, a clean-up...): a mark at the site, its days and note. */
    var noted = new H.Overlay(map, "interventions", "Interventions (caméras, panneaux…)", function (group) {
      return H.getJSON("/api/interventions").then(function (items) {
        group.clearLayers();
        items.forEach(function (i) {
          var mark = L.marker([i.lat, i.lon], { icon: L.divIcon({ className: "hs-intervention",
            html: "<span>" + esc(config.marques_interventions[i.type] || "•") + "</span>", iconSize: [22, 18] }) });
          mark.bindPopup(function () { return interventionPopup(i); }, { maxWidth: 340 });
          group.addLayer(mark);
        });
        return items.length;
      });
    });

    /* An intervention's popup; a planner can withdraw one noted by mistake (a second click confirms). */
    function interventionPopup(i) {
      var div = document.createElement("div");
      div.innerHTML = "<h3>" + esc(i.libelle) + "</h3><table>" + row("Lieu", esc(i.lieu)) +
        row("Depuis le", H.day(i.debut)) + row("Jusqu'au", i.fin ? H.day(i.fin) : "en place") +
        row("Note", esc(i.note || "—")) + row("Notée par", esc(i.note_par)) + row("N°", H.number(i.id)) + "</table>";
      if (!config.peut_planifier) return div;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "hs-retirer";
      button.textContent = "Retirer (notée par erreur)";
      var out = document.createElement("p");
      out.className = "hs-retour";
      out.setAttribute("role", "status");
      button.addEventListener("click", function () {
        if (!button.dataset.confirme) {
          button.dataset.confirme = "1";
          button.textContent = "Confirmer le retrait";
          return;
        }
        button.disabled = true;
        H.send("/api/interventions/" + encodeURIComponent(i.id), { method: "DELETE" })
          .then(function () {
            out.textContent = "Intervention n° " + i.id + " retirée.";
            button.remove();
            map.once("popupclose", function () { noted.refresh(); });
          })
          .catch(function (err) { out.textContent = err.message; button.disabled = false; });
      });
      div.appendChild(button);
      div.appendChild(out);
      return div;
    }

    /* Reports and sites referred to the Mediation service or a partner: out of the hotspot counts, shown apart. */
    var referrals = new H.Overlay(map, "renvois", "Renvois (médiation, partenaires)", function (group) {
      return H.getJSON("/api/renvois?etat=actif&etat=propose&limite=5000").then(function (data) {
        data.features = data.features.filter(function (f) { return f.geometry; });
        return H.geojsonInto(group, data, {
          pointToLayer: function (f, latlng) {
            var proposed = f.properties.etat === "propose";
            return L.circleMarker(latlng, { radius: 7, color: "#5e3c99", weight: 2, dashArray: proposed ? "3 3" : null,
              fillColor: proposed ? "#ffffff" : "#b2abd2", fillOpacity: 0.9,
              className: proposed ? "hs-renvoi hs-renvoi-propose" : "hs-renvoi" });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindPopup("<h3>Renvoi n° " + esc(p.Renvoi) + " — " + esc(p["État"]) + "</h3><table>" +
              row("Vers", esc(p.Vers)) + row(esc(p.Type), esc(p.Site)) + row("Lieu", esc(p.Lieu || "—")) +
              row("Catégorie", esc(p["Catégorie"] || "—")) + row("Signalements", H.number(p.Signalements)) +
              row("Pourquoi", esc(p.Pourquoi)) + row("Le", H.day(p["Renvoyé le"])) +
              row("Par", esc(p.Par || p["Proposé par"] || "—")) + "</table>");
          },
        });
      });
    });

    var communes = H.boundaries(map, fondUrl);
    var sections = new H.Overlay(map, "secteurs", "Secteurs (codes postaux, approximatifs)", function (group) {
      return H.getJSON(fondUrl + "secteurs").then(function (data) {
        return H.geojsonInto(group, data, {
          style: { color: "#555", weight: 2, dashArray: "6 6", fill: false, className: "hs-secteur" },
          onEachFeature: function (f, layer) { layer.bindTooltip(esc(f.properties.nom), { sticky: true }); },
        });
      });
    });

    /* Where the last analysis expects the most reports in the next three months (the forecast the back-test
     * measures): the zone's 100 m cells by the share of the zone they fall in, what each expects in its tooltip. A
     * place chosen in the filters: its own cells ranked among themselves (a rural commune has few among the zone's
     * first), by the share of the place they fall in. */
    var forecast = new H.Overlay(map, "prevision", "Prévision du trimestre (mailles de 100 m)", function (group) {
      /* a category chosen in the filters: the forecast of its reports alone (made on the server when first asked) */
      var params = { categorie: filters.categorie, lieu: filters.lieu };
      var place = placeNamed(filters.lieu);
      var placeName = place ? place.libelle || place.valeur : filters.lieu;
      return H.getJSON("/api/prevision" + H.query(params)).then(function (data) {
        /* under the legend: which reports, then the check (the same forecast made three months ago, against what
         * happened since), or why a category has no layer; a place: how its cells are ranked */
        var check = document.querySelector("#hs-legende .hs-prevision-controle");
        var facts = data.prevision || {};
        var within = facts.lieu && facts.lieu.classement === "lieu";
        /* a place: how its cells are ranked first, then its own check (the place's, not the zone's) */
        var placeSaid = facts.lieu && !facts.raison ? (within
          ? "À " + placeName + " : ses " + H.number(facts.lieu.mailles) + " mailles, classées entre elles ; " +
            "dessinées, les 1 %, 5 % et 10 % du lieu où il en est attendu le plus (" +
            H.number(facts.lieu.attendus, 0) + H.agree(facts.lieu.attendus, " signalement attendu", " signalements attendus") +
            " dans tout le lieu)."
          : "À " + placeName + " : ses mailles parmi les 10 % de la zone (la prochaine analyse les classera " +
            "entre elles).").replace(/ %/g, "\u00a0%") : "";
        var said = facts.raison ? "Prévision : " + facts.raison + "." :
          [placeSaid, facts.controle_phrase].filter(Boolean).join(" ");
        if (said && facts.libelle && !facts.raison) said = "Prévision des signalements « " + facts.libelle + " ». " + said;
        if (check) {
          check.textContent = said || "";
          check.hidden = !said;
        }
        return H.geojsonInto(group, data, {
          style: function (f) { // the first share the darkest and the most opaque: it stands out of the others
            var s = style.prevision[f.properties.part] || { couleur: "#9ecae1", opacite: 0.35 };
            return { color: s.couleur, weight: 0.5, fillColor: s.couleur, fillOpacity: s.opacite,
              className: "hs-prevision" + (within ? " hs-prevision-lieu" : "") };
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            var expected = H.number(p.attendus, 1) + H.agree(p.attendus, " signalement attendu", " signalements attendus");
            var share = esc(p.part.replace(" ", "\u00a0"));
            layer.bindTooltip(expected + " d'ici trois mois (" + (within
              ? "rang " + H.number(p.rang) + " à " + esc(placeName) + ", dans ses " + share + " de mailles où il en " +
                "est attendu le plus ; rang " + H.number(p.rang_zone) + " de la zone)"
              : "rang " + H.number(p.rang) + ", dans les " + share + " de la zone où il en est attendu le plus)"),
            { sticky: true });
          },
        });
      });
    });

    var overlays = [heat, clusters, pointsLayer, axes, forecast, visits, noted, permits, referrals, communes, sections];
    var control = {};
    overlays.forEach(function (o) { control[o.label] = o.group; });
    H.layersControl(map, bases, control);
    [heat, clusters, pointsLayer, axes, communes].forEach(function (o) { o.group.addTo(map); });

    H.followView(map, [heat, clusters]);
    /* A place chosen in the filters: the map shows it whole (its outline on the background's communes or postcode
     * sectors); back to the whole zone, the zone. The reports and visits drawn are then those of the place, and the
     * sensitive points and axes of other places are faded. */
    var placeOutline = null;
    function showPlace(value) {
      var place = placeNamed(value);
      if (placeOutline) map.removeLayer(placeOutline);
      placeOutline = null;
      if (!place) {
        if (config.emprise_zone) map.fitBounds(config.emprise_zone);
        window.hotspotsLieu = { lieu: "", contours: 0 };
        return;
      }
      H.getJSON(fondUrl + place.couche).then(function (data) {
        var key = place.couche === "communes" ? "nom" : "code_postal";
        var outline = L.geoJSON({ type: "FeatureCollection", features: data.features.filter(function (f) {
          return String(f.properties[key]) === place.valeur;
        }) }, { pane: "hs-lieu", interactive: false, style: { color: style.lieu, weight: 3, dashArray: "8 6",
          fill: false, className: "hs-lieu-contour" } });
        if (filters.lieu !== place.valeur) return; // another place was chosen meanwhile
        if (outline.getLayers().length) {
          placeOutline = outline.addTo(map);
          map.fitBounds(outline.getBounds());
        }
        window.hotspotsLieu = { lieu: place.valeur, contours: outline.getLayers().length };
      }).catch(function (err) { H.status(err.message); });
    }
    var form = document.getElementById("hs-filtres");
    /* The register export (planners) follows the filters: the same days (the last one included), the category, the
     * place. */
    function exportLinks() {
      var data = new FormData(form);
      ["xlsx", "csv", "pdf"].forEach(function (fmt) {
        var link = document.getElementById("hs-export-" + fmt);
        if (!link) return;
        var query = new URLSearchParams({ format: fmt });
        ["depuis", "jusqu_a", "categorie", "lieu"].forEach(function (name) {
          if (data.get(name)) query.set(name, data.get(name));
        });
        link.href = "/api/exports/signalements?" + query.toString();
      });
    }
    if (form) {
      if (filters.lieu) {
        form.elements.lieu.value = filters.lieu;
        showPlace(filters.lieu);
      }
      exportLinks();
      // a link to a place followed on the open map (only its address's « # » part changes: no new page)
      window.addEventListener("hashchange", function () {
        var asked = placeInAddress();
        if (asked === null || asked === filters.lieu) return;
        form.elements.lieu.value = asked;
        form.requestSubmit();
      });
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        exportLinks();
        var f = H.readFilters(form);
        filters.depuis = f.depuis;
        filters.jusqu_a = f.jusqu_a;
        filters.categorie = f.categorie;
        var placeChanged = f.lieu !== filters.lieu;
        filters.lieu = f.lieu;
        if (placeChanged) {
          showPlace(f.lieu);
          rememberPlace(f.lieu);
        }
        [heat, clusters, pointsLayer, visits, forecast].concat(placeChanged ? [axes] : []).forEach(function (o) {
          o.refresh();
        });
      });
    }
    /* The report layers read again and redrawn (a report placed elsewhere on the page): the same view asks the
     * server anew instead of reusing the answer it shares between the heat map and the clusters. */
    H.refreshReports = function () {
      pendingKey = null;
      heat.refresh();
      clusters.refresh();
    };
    /* The sites and the visits read again (a sheet imported from the panel: new visits, points' priorities). */
    H.refreshSites = function () {
      [pointsLayer, axes, visits, permits].forEach(function (o) { o.refresh(); });
    };
    window.hotspotsMap = map;
  };
})();
