/* Hotspots — "Planifier une tournée" on the planning map: the planner's form posts to /api/tournees, the answer
 * (GeoJSON: stops, axes walked, one route per team) is drawn with numbered stops in each team's colour, and the
 * panel lists the stops in visit order with the downloads of the field pack. A link /carte#site=PS-0001 (the
 * "Lien carte" of the exported lists) opens on that site. window.hotspotsTournee summarises what was drawn (for
 * people and for the browser test). Depends on carte.js and planification.js. */
(function () {
  "use strict";
  var H = window.HotspotsCarte;
  var esc = H.esc;
  /* each team's colour: the printed sheet's (service/export/print_map.py TEAM_COLOURS), given by the page's
   * configuration, so that « équipe 1 » is the same blue on the screen and on paper (one list, not a copy here) */
  var COLOURS = ["#4d4d4d"];
  /* a cancelled shift is drawn grey and dashed: still there to be read (which sites it held), but not taken for
   * one the teams are out on */
  var CANCELLED = "#9e9e9e";
  var FORMATS = [["pdf", "Feuille de route (PDF)"], ["xlsx", "Tableur à remplir (XLSX)"], ["csv", "CSV"],
    ["gpx", "GPS (GPX)"], ["geojson", "SIG (GeoJSON)"]];
  var state = (window.hotspotsTournee = { etat: "vide", id: null, arrets: 0, equipes: [], couleurs: {}, erreur: null,
    annulee: false });
  var relayout = null; // the drawn plan's marker layout, run again at every zoom

  function colour(team) {
    return COLOURS[(Math.max(1, team) - 1) % COLOURS.length];
  }

  function prop(p, names) {
    for (var i = 0; i < names.length; i++) if (p[names[i]] !== undefined && p[names[i]] !== null) return p[names[i]];
    return null;
  }

  function stopIcon(order, fill, shift) {
    return L.divIcon({
      className: "hs-arret",
      html: "<span style='background:" + fill + "'>" + esc(order) + "</span>",
      iconSize: [24, 24],
      iconAnchor: [12 - shift[0], 12 - shift[1]],
    });
  }

  /* Stops closer on screen than a marker's width (a point and the axis that starts there, or two corners of one
   * street at the zone's zoom) would hide each other's number: at every zoom, each group of them is drawn in a
   * ring around its place. */
  function layout(map, markers) {
    var groups = [];
    markers.forEach(function (m) {
      var at = map.latLngToLayerPoint(m.getLatLng());
      var group = groups.find(function (g) { return g.at.distanceTo(at) < 22; });
      if (group) group.members.push(m);
      else groups.push({ at: at, members: [m] });
    });
    groups.forEach(function (g) {
      var n = g.members.length;
      g.members.forEach(function (m, i) {
        var shift = [0, 0];
        if (n > 1) {
          var angle = (2 * Math.PI * i) / n - Math.PI / 2;
          var radius = Math.max(14, (26 * n) / (2 * Math.PI));
          shift = [Math.round(radius * Math.cos(angle)), Math.round(radius * Math.sin(angle))];
        }
        m.setIcon(stopIcon(m.options.hsOrder, m.options.hsColour, shift));
      });
    });
  }

  /* A stop's popup: when, what and why; for a planner in the field, the visit form of the stop (its outcome goes
   * to the stop and to its site; kept on the phone without network, see attente.js). A cancelled shift's stop
   * takes no visit (the service would refuse it): its popup says where to record one instead. */
  function stopPopup(planId, p, order, team, cancelled, lonLat) {
    var box = document.createElement("div");
    box.className = "hs-popup hs-arret-popup";
    var name = prop(p, ["Lieu"]) || prop(p, ["Site"]);
    box.innerHTML = "<h3>" + esc(order) + ". " + esc(name) + "</h3>" +
      "<table><tr><th>Arrivée</th><td>" + H.hour(prop(p, ["Arrivée"])) + " (équipe " + esc(team) + ")</td></tr>" +
      "<tr><th>Site</th><td>" + esc(prop(p, ["Site"])) + " — " + esc(prop(p, ["Type"])) + "</td></tr>" +
      "<tr><th>Priorité</th><td>" + H.number(prop(p, ["Priorité"]), 1) + "</td></tr>" +
      "<tr><th>Pourquoi</th><td>" + esc(prop(p, ["Pourquoi"]) || "") + "</td></tr>" +
      "<tr class='hs-fait'><th>Fait</th><td>" + esc(prop(p, ["Fait"]) || "non") + "</td></tr></table>" +
      (lonLat ? H.goThere(lonLat[1], lonLat[0], name) : "");
    if (cancelled) {
      box.insertAdjacentHTML("beforeend", "<p class='hs-annulee'>Tournée annulée : notez une visite sur le site " +
        esc(prop(p, ["Site"])) + " lui-même.</p>");
      return box;
    }
    var ref = prop(p, ["Arrêt"]);
    if (!ref || planId === undefined || !H.visitForm) return box;
    var url = "/api/tournees/" + encodeURIComponent(planId) + "/arrets/" + encodeURIComponent(ref) + "/visites";
    var done = box.querySelector(".hs-fait td");
    var form = H.visitForm(url, "arrêt " + ref, function (visit, sent) {
      done.textContent = visit.hors_tournee ? "hors tournée (annulée) — " + H.outcomeWords(sent.resultat) +
        ", au site " + prop(p, ["Site"]) : "oui — " + H.outcomeWords(sent.resultat) + " (" + H.clock() + ")";
    }, function (sent) {
      done.textContent = "oui — " + H.outcomeWords(sent.resultat) + ", gardé sur le téléphone (envoyé dès que le " +
        "réseau revient)";
    });
    if (form) box.appendChild(form);
    return box;
  }

  function draw(map, group, panel, collection) {
    group.clearLayers();
    var plan = collection.tournee || {};
    var cancelled = !!plan.cancelled_at;
    var tint = function (team) { return cancelled ? CANCELLED : colour(team); };
    var dashes = cancelled ? "6 8" : null;
    var teams = {};
    var bounds = L.latLngBounds([]);
    var markers = [];
    (collection.features || []).forEach(function (f) {
      var p = f.properties || {};
      var role = p.role;
      var team = Number(prop(p, ["Équipe", "equipe", "team"]) || 1);
      if (role === "itineraire") {
        var route = L.geoJSON(f, { interactive: false, style: { color: tint(team), weight: 4, opacity: 0.85,
          dashArray: dashes, className: "hs-itineraire" } }).addTo(group);
        bounds.extend(route.getBounds());
      } else if (role === "axe") {
        L.geoJSON(f, { interactive: false, style: { color: tint(team), weight: 9, opacity: 0.35,
          dashArray: dashes, className: "hs-axe-tournee" } }).addTo(group);
      } else if (role === "arret" && f.geometry) {
        var c = f.geometry.coordinates;
        var order = prop(p, ["Ordre", "ordre", "order"]);
        var marker = L.marker([c[1], c[0]], {
          icon: stopIcon(order, tint(team), [0, 0]),
          pane: "markerPane",
          zIndexOffset: 1000,
          hsOrder: order,
          hsColour: tint(team),
        });
        markers.push(marker);
        var content = stopPopup(plan.plan_id, p, order, team, cancelled, c);
        marker.bindPopup(content, { maxWidth: 380 });
        marker.on("popupopen", function () {
          var form = content.querySelector("form.hs-visite");
          if (form && form.refreshDate) form.refreshDate(); // the time of the visit, not of the drawing
        });
        marker.addTo(group);
        bounds.extend([c[1], c[0]]);
        (teams[team] = teams[team] || []).push(p);
      }
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30], animate: false });
    /* the shift is what the map shows now: the report bubbles fade behind its stops (a team's blue was read as
     * one more bubble of reports) */
    L.DomUtil.addClass(map.getContainer(), "hs-avec-tournee");
    if (relayout) map.off("zoomend", relayout);
    relayout = function () { layout(map, markers); };
    map.on("zoomend", relayout);
    layout(map, markers);
    var ids = Object.keys(teams).map(Number).sort(function (a, b) { return a - b; });
    state.etat = "dessinee";
    state.id = plan.plan_id;
    state.arrets = ids.reduce(function (n, t) { return n + teams[t].length; }, 0);
    state.equipes = ids;
    state.annulee = cancelled;
    state.couleurs = {};
    ids.forEach(function (t) { state.couleurs[t] = tint(t); });
    panel.innerHTML = summary(plan, teams, ids, tint);
  }

  function summary(plan, teams, ids, tint) {
    var files = document.getElementById("hs-tournee") ? downloads(plan) : ""; // a reader cannot export it
    var value = Number(plan.value || 0);
    var naive = Number(plan.naive_value || 0);
    var gain = naive > 0 && value > naive ? " (+" + H.number((value / naive - 1) * 100) + " %)" : "";
    var html = (plan.cancelled_at ? "<p class='hs-annulee'><strong>Annulée le " + esc(H.day(plan.cancelled_at)) +
      "</strong> : ses arrêts ne prennent plus de visite ; notez-la sur le site lui-même.</p>" : "") +
      "<p><strong>Tournée n° " + esc(plan.plan_id) + "</strong> : " + H.number(plan.stops ? plan.stops.length : 0) +
      " arrêts, valeur " + H.number(value, 1) + gain + " ; plan naïf " + H.number(naive, 1) + ".</p>" + files;
    var pauses = {}, before = {}; // stop ref → the team's break after it, or on arrival before it (minutes)
    (plan.stops || []).forEach(function (s) {
      if (s.pause_after_minutes > 0) pauses[s.ref] = s.pause_after_minutes;
      if (s.pause_before_minutes > 0) before[s.ref] = s.pause_before_minutes;
    });
    ids.forEach(function (t, i) {
      var minutes = plan.team_minutes ? plan.team_minutes[i] : null;
      html += "<h3><span class='hs-carre' style='background:" + tint(t) + "'></span> Équipe " + esc(t) +
        (minutes !== null && minutes !== undefined ? " — " + H.number(minutes) + " min" : "") + "</h3><ol class='hs-arrets'>";
      teams[t].forEach(function (p) {
        var meeting = prop(p, ["Rendez-vous"]);
        var ref = prop(p, ["Arrêt"]);
        html += "<li>" + (before[ref] ? "<em class='hs-pause'>pause de " + H.number(before[ref]) + " min à l'arrivée, puis</em> " : "") +
          H.hour(prop(p, ["Arrivée"])) + " — " + esc(prop(p, ["Site"])) + " " + esc(prop(p, ["Lieu"]) || "") +
          (meeting ? " <strong class='hs-rdv'>rendez-vous " + (meeting.indexOf("–") < 0 ? "à " : "") + esc(meeting) + "</strong>" : "") +
          (prop(p, ["Fait"]) === "oui" ? " ✓" : "") +
          (pauses[ref] ? " <em class='hs-pause'>— puis pause de " + H.number(pauses[ref]) + " min</em>" : "") +
          "</li>";
      });
      html += "</ol>";
    });
    if (plan.dropped && plan.dropped.length) {
      html += "<p>" + H.number(plan.dropped.length) + H.agree(plan.dropped.length, " site laissé", " sites laissés") +
        " de côté (durée épuisée ou trop loin).</p>";
    }
    (plan.notes || []).forEach(function (n) { html += "<p class='hs-note'>" + esc(n) + "</p>"; });
    return html;
  }

  /* The field pack's five files, right under the plan's summary line (on a phone, no scrolling to reach them). */
  function downloads(plan) {
    return "<p class='hs-telechargements'>À télécharger : " + FORMATS.map(function (f) {
      return "<a href='/api/tournees/" + encodeURIComponent(plan.plan_id) + "/export?format=" + f[0] + "'>" + esc(f[1]) + "</a>";
    }).join(" · ") + "</p>";
  }

  function body(form) {
    var data = new FormData(form);
    var out = {
      duree: data.get("duree") || "4h",
      equipes: Number(data.get("equipes") || 1),
      mode: data.get("mode") || "voiture",
      types: data.getAll("types"),
    };
    if (data.get("pause")) out.pause = data.get("pause");
    if (data.get("pause") && data.get("pause_vers")) out.pause_vers = data.get("pause_vers");
    if (data.get("debut")) out.debut = String(data.get("debut")).replace("T", " ");
    if (data.get("depart")) out.depart = data.get("depart");
    if (data.get("rendez_vous")) out.rendez_vous = data.get("rendez_vous");
    if (data.get("categorie")) out.categories = [data.get("categorie")];
    if (data.get("lieu")) out.lieux = [data.get("lieu")];
    return out;
  }

  function show(map, group, panel, url, options) {
    state.etat = "calcul";
    state.erreur = null;
    panel.textContent = "Calcul de la tournée…";
    return H.send(url, L.extend({ headers: { "Content-Type": "application/json" } }, options || {}))
      .then(function (collection) {
        draw(map, group, panel, collection);
        H.status("Tournée n° " + collection.tournee.plan_id + (state.annulee ? " (annulée)" : "") + " : " +
          H.number(state.arrets) + H.agree(state.arrets, " arrêt.", " arrêts."));
        shown(map, panel, true);
      })
      .catch(function (err) {
        state.etat = "erreur";
        state.erreur = err.message;
        panel.innerHTML = "<p class='hs-erreur' role='alert'>" + esc(err.message) + "</p>";
        shown(map, panel, false);
      });
  }

  /* The answer in view: on a phone a plan folds the form away so that the downloads and the stops come first
   * (an error leaves it open, to be corrected); the panel keeps to the screen and scrolls to the answer. */
  function shown(map, panel, planned) {
    var fold = panel.parentNode.querySelector("details.hs-volet");
    if (planned && H.isNarrow() && fold && fold.open) fold.open = false;
    H.fitPanels(map);
    var box = panel.parentNode;
    box.scrollTop += panel.getBoundingClientRect().top - box.getBoundingClientRect().top;
  }

  /* The latest shifts, under the form: each opens on the map by its link (#tournee=N) and says where it stands
   * (« prévue », « passée, feuille à rentrer », « annulée le … »: service/plan/store.py shift_state); one that
   * has no visit recorded yet can be cancelled from here, after a confirmation (its sites become free). */
  function recent(box, redraw) {
    var list = box.querySelector("ol");
    var limit = Number(box.dataset.limite || 10); // « Plus anciennes » shows twenty more each time
    list.innerHTML = "<li>Chargement…</li>";
    return H.getJSON("/api/tournees?limite=" + limit).then(function (rows) {
      list.innerHTML = rows.length ? "" : "<li>Aucune tournée.</li>";
      rows.forEach(function (r) {
        var item = document.createElement("li");
        var start = String(r.starts_at).replace(" ", "T");
        item.innerHTML = "<a href='#tournee=" + encodeURIComponent(r.id) + "'>n° " + esc(r.id) + "</a> — " +
          H.day(start) + " " + H.hour(start) + ", " + H.number(r.stops) + H.agree(r.stops, " arrêt", " arrêts") +
          " dont " + H.number(r.done) + H.agree(r.done, " fait", " faits") + " — <span class='hs-etat-tournee'>" +
          esc(r.state) + "</span>";
        if (!r.cancelled_at && !r.done) {
          var cancel = document.createElement("button");
          cancel.type = "button";
          cancel.className = "hs-annuler";
          cancel.textContent = "Annuler";
          cancel.addEventListener("click", function () {
            if (!window.confirm("Annuler la tournée n° " + r.id + " ? Elle reste dans la liste, et ses sites " +
              "redeviennent libres pour une autre tournée.")) return;
            cancel.disabled = true;
            H.send("/api/tournees/" + encodeURIComponent(r.id) + "/annulation", { method: "POST",
              headers: { "Content-Type": "application/json" }, body: "{}" })
              .then(function () { return String(state.id) === String(r.id) ? redraw(r.id) : null; })
              .then(function () {
                H.status("Tournée n° " + r.id + " annulée : ses sites sont libres pour une autre tournée.");
                return recent(box, redraw);
              })
              .catch(function (err) { cancel.disabled = false; H.status(err.message); });
          });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(cancel);
        }
        list.appendChild(item);
      });
      if (rows.length >= limit && limit < 500) { // perhaps more: the older ones, on demand
        var more = document.createElement("button");
        more.type = "button";
        more.className = "hs-plus-anciennes";
        more.textContent = "Plus anciennes";
        more.addEventListener("click", function () {
          box.dataset.limite = String(Math.min(limit + 20, 500));
          recent(box, redraw);
        });
        var last = document.createElement("li");
        last.className = "hs-suite";
        last.appendChild(more);
        list.appendChild(last);
      }
    }).catch(function (err) { list.innerHTML = "<li class='hs-erreur'>" + esc(err.message) + "</li>"; });
  }

  /* What a batch recorded, by what the file held (POST /api/imports/{visites|signalements|permis}). */
  var RECORDED = {
    visites: [" visite enregistrée", " visites enregistrées"],
    signalements: [" signalement enregistré", " signalements enregistrés"],
    permis: [" permis enregistré", " permis enregistrés"],
  };

  /* A size in the page's words: « 350 ko », « 2,4 Mo ». */
  function size(bytes) {
    return bytes < 1048576 ? H.number(Math.max(1, Math.round(bytes / 1024))) + " ko" :
      H.number(bytes / 1048576, 1) + " Mo";
  }

  /* How far an import is, as its job says it (GET /api/imports/suivis/{id}): a bar and a line of words. The file
   * sent, then read and checked (the share of its bytes), then geocoded and stored (no measure: the bar moves
   * without a value). */
  function importProgress(out, name, job) {
    var bar = out.querySelector("progress.hs-import-avancement");
    if (!bar) {
      // the bar first: the words under it grow to two lines without pushing it out of a scrolled panel
      out.innerHTML = "<progress class='hs-import-avancement' max='1'></progress><p class='hs-import-etape'></p>";
      bar = out.querySelector("progress");
    }
    var words = out.querySelector(".hs-import-etape");
    /* every sheet of a register, each read from its start: which one, so that the bar starting again says why */
    var sheet = job.feuille ? "Feuille " + H.number(job.feuille.rang) + " sur " + H.number(job.feuille.sur) +
      " (« " + job.feuille.nom + " ») — " : "";
    if (job.etat === "lecture" && job.total) {
      bar.value = job.lu / job.total;
      words.textContent = "Lecture et contrôle de " + name + " : " + Math.floor(100 * job.lu / job.total) + " % (" +
        size(job.lu) + " sur " + size(job.total) + ")…";
    } else if (job.etat === "lecture" || job.etat === "envoi") {
      bar.removeAttribute("value");
      words.textContent = job.etat === "envoi" ? "Envoi de " + name + "…" : "Lecture de " + name + "…";
    } else {
      bar.removeAttribute("value");
      // no measure of this step: the time it has taken says that it goes on
      words.textContent = "Géocodage et enregistrement des lignes de " + name + "…" +
        (job.secondes >= 3 ? " (" + H.number(job.secondes) + " s)" : "");
    }
    words.textContent = sheet + words.textContent;
    bar.setAttribute("aria-label", words.textContent);
  }
  H.importProgress = importProgress;

  /* The import's job asked after until it ends: its account, or its refusal as an Error (the service's words). A
   * question lost on the way is asked again, five times at most. */
  function followImport(url, out, name) {
    return new Promise(function (resolve, reject) {
      var lost = 0;
      (function ask() {
        H.send(url).then(function (job) {
          lost = 0;
          if (job.etat === "fini") return resolve(job.resultat);
          if (job.etat === "erreur") return reject(new Error(H.sentence(job.erreur) +
            (job.conseil ? " " + H.sentence(job.conseil) : "")));
          importProgress(out, name, job);
          window.setTimeout(ask, 400);
        }, function (err) {
          if (++lost > 5 || !err.unreachable) return reject(err);
          window.setTimeout(ask, 1000);
        });
      })();
    });
  }

  /* The mapping file last used for a source, kept by the service (GET /api/correspondances): next month's export
   * from the same partner is read the same way, from any computer and from « hotspots ingest », without choosing
   * the file again. Keyed by the source's name as typed in the options, as the service keys it (``cle``:
   * capitals, accents, spaces and punctuation aside, service/ingest/source_names.py), and by the kind of file
   * chosen (``type``: a commune's permits are not laid out as its reports). */
  var kept = {};
  var SPELLED_OUT = { "ß": "ss", "ẞ": "SS", "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE" };
  function keyOf(name) {
    var folded = name.replace(/[ßẞœŒæÆ]/g, function (c) { return SPELLED_OUT[c]; })
      .normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
    var words = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean).join(" ");
    if (!words) return name.split(/\s+/).filter(Boolean).join(" ").toLowerCase();
    return words.replace(/(?<=(?<![^ ])\p{L}) (?=\p{L}(?![^ ]))/gu, ""); // « a s b l » (A.S.B.L.) is « asbl »
  }
  function sourceKey(box) {
    return keyOf((box.querySelector("[name=source_import]") || {}).value || "");
  }
  function kindOf(box) {
    return (box.querySelector("select[name=type_import]") || {}).value || "signalements";
  }
  /* Whether the service said what it keeps (a reader, or the service away: nothing shown, the file chosen works
   * as before). */
  function loadKept(box) {
    return H.getJSON("/api/correspondances").then(function (list) {
      kept = {};
      list.forEach(function (k) { kept[k.cle + "|" + k.type] = k; });
      showKeptMapping(box);
      return true;
    }, function () { return false; });
  }
  /* The mappings an earlier version kept in this browser only: given to the service once (unless it already keeps
   * one for that source), then taken out of the browser. */
  var OLD_MAPPINGS = "hotspots.correspondances";
  function moveBrowserMappings(box) {
    var old;
    try {
      old = JSON.parse(window.localStorage.getItem(OLD_MAPPINGS) || "null");
    } catch (err) {
      old = null;
    }
    if (!old) return Promise.resolve();
    var left = {}; // not given yet: the service away (tried again at the next opening)
    return Promise.all(Object.keys(old).filter(function (key) {
      return key && !kept[keyOf(key) + "|signalements"]; // the browser kept one per source: reports' registers
    }).map(function (key) {
      var data = new FormData();
      data.append("fichier", new Blob([old[key].texte], { type: "text/plain" }), old[key].nom);
      return H.send("/api/correspondances/" + encodeURIComponent(key), { method: "PUT", body: data })
        .catch(function (err) { // refused (a broken file): chosen again next time; not answered: kept here
          if (!err.status || err.status >= 500) left[key] = old[key];
        });
    })).then(function () {
      if (Object.keys(left).length) window.localStorage.setItem(OLD_MAPPINGS, JSON.stringify(left));
      else window.localStorage.removeItem(OLD_MAPPINGS);
      return loadKept(box);
    });
  }
  /* Under the mapping field: the mapping kept for the source typed, and how to forget it. */
  function showKeptMapping(box) {
    var line = box.querySelector(".hs-correspondance-gardee");
    if (!line) return;
    var key = sourceKey(box), what = kindOf(box), k = kept[key + "|" + what];
    line.hidden = !k;
    if (!k) return;
    line.textContent = H.french("Correspondance gardée pour les " + what + " de « " + k.source + " » : " +
      k.fichier + " (le " + H.day(k.le) + (k.par ? ", par " + k.par : "") +
      "), appliquée si aucun fichier n'est choisi. ");
    var forget = document.createElement("button");
    forget.type = "button";
    forget.className = "hs-oublier-correspondance";
    forget.textContent = "Oublier";
    forget.addEventListener("click", function () {
      forget.disabled = true;
      H.send("/api/correspondances/" + encodeURIComponent(key) + "?type=" + encodeURIComponent(what),
        { method: "DELETE" })
        .catch(function (err) { H.status(err.message); })
        .then(function () { return loadKept(box); });
    });
    line.appendChild(forget);
  }

  /* A sheet filled in on the field, or a register, sent from the map (read as « hotspots ingest » reads it, in
   * the background: POST /api/imports/…/suivi, then its progress): the batch's sum, the geocoding, the visits of a
   * cancelled shift moved to their sites, then what was not recorded and why, in the service's words.
   * ``after(kind)``: what to draw again. */
  function sheetImport(box, after) {
    var input = box.querySelector("input[name=feuille]");
    var kind = box.querySelector("select[name=type_import]");
    var button = box.querySelector("button.hs-importer");
    var out = box.querySelector(".hs-import-resultat");
    var sourceField = box.querySelector("[name=source_import]");
    var batches = box.querySelector("details.hs-lots") || {};
    if (batches.addEventListener) {
      batches.addEventListener("toggle", function () { if (batches.open) recentBatches(batches, after); });
    }
    if (sourceField) sourceField.addEventListener("input", function () { showKeptMapping(box); });
    if (kind) kind.addEventListener("change", function () { showKeptMapping(box); });
    loadKept(box).then(function (answered) { return answered ? moveBrowserMappings(box) : null; });
    button.addEventListener("click", function () {
      var file = input.files && input.files[0];
      if (!file) {
        out.innerHTML = "<p class='hs-erreur' role='alert'>Choisissez d'abord le fichier (XLSX, CSV…).</p>";
        return;
      }
      var data = new FormData();
      data.append("fichier", file, file.name);
      /* a mapping file beside it: which column feeds which field (« hotspots ingest » --correspondance), then
       * kept by the service for the source typed; none chosen, the service applies the one it keeps */
      var mapping = box.querySelector("[name=correspondance_import]");
      var chosen = mapping && mapping.files && mapping.files[0];
      if (chosen) data.append("correspondance", chosen, chosen.name);
      var what = kind ? kind.value : "visites";
      /* what the file is not read with by itself: the source's name (else the file's), its separator, its
       * encoding, a workbook's sheet, its coordinates' system (--source, --separateur, --encodage, --feuille,
       * --crs) */
      var options = H.query({
        source: ((box.querySelector("[name=source_import]") || {}).value || "").trim(),
        separateur: (box.querySelector("[name=separateur_import]") || {}).value,
        encodage: (box.querySelector("[name=encodage_import]") || {}).value,
        feuille: ((box.querySelector("[name=feuille_import]") || {}).value || "").trim(),
        crs: (box.querySelector("[name=crs_import]") || {}).value,
        /* a register kept one sheet per month: each sheet its own batch (--toutes-les-feuilles) */
        toutes_les_feuilles: (box.querySelector("[name=toutes_feuilles_import]") || {}).checked ? "true" : "",
      });
      button.disabled = true;
      out.innerHTML = "";
      importProgress(out, file.name, { etat: "envoi" });
      out.scrollIntoView({ block: "nearest" }); // the bar under the button, in a panel that may scroll
      H.send("/api/imports/" + encodeURIComponent(what) + "/suivi" + options, { method: "POST", body: data })
        .then(function (started) { return followImport(started.url, out, file.name); })
        .then(function (b) {
          var words = RECORDED[what] || RECORDED.visites;
          function account(lot) {
            return ["Lot n° " + lot.batch_id + " (" + file.name + ") : " + H.number(lot.inserted) +
              H.agree(lot.inserted, words[0], words[1]) + "."].concat(lot.phrases || [], lot.bilan_rejets || []);
          }
          /* every sheet: the total and the sheets not read or refused first, then each sheet's batch */
          var lines = b.lots ? (b.phrases || []).slice() : account(b);
          (b.lots || []).forEach(function (lot) { lines = lines.concat(account(lot)); });
          out.innerHTML = lines.map(function (l) { return "<p>" + esc(l) + "</p>"; }).join("");
          (b.lots || [b]).forEach(function (lot) {
            ((lot.details || {}).sources_proches || []).forEach(function (near) {
              mergeSource(out, near, function () { return after(what); });
            });
            if (lot.status === "termine" && lot.inserted + ((lot.details || {}).quasi_doublons_lies || 0) > 0) {
              withdrawal(out, lot.batch_id, file.name, function () {
                if (batches.open) recentBatches(batches, after); // the list says it withdrawn
                return after(what);
              });
            }
          });
          if (batches.open) recentBatches(batches, after);
          input.value = "";
          if (chosen) mapping.value = "";
          loadKept(box); // the mapping chosen is now the source's
          return Promise.resolve(after(what)).then(function () { H.status(lines[0]); }); // after the shift's own
        })
        .catch(function (err) {
          /* a refusal read through the kept mapping says so itself (the partner may have changed its columns) */
          out.innerHTML = "<p class='hs-erreur' role='alert'>" + esc(err.message) + "</p>";
        })
        .then(function () { button.disabled = false; });
    });
  }

  /* Under an import's account that points out a new source a letter or two from a known one (« ASBL Quartiers »
   * for « ASBL_Quartier »): a button that puts its rows under the known name (POST /api/sources/fusion), then says
   * what moved, or why not (the same file imported under both names: withdraw it first). */
  function mergeSource(out, near, after) {
    var box = document.createElement("p");
    box.className = "hs-fusion-source";
    var go = document.createElement("button");
    go.type = "button";
    go.textContent = H.french("Ranger les lignes de « " + near.nouvelle + " » sous « " + near.connue + " »");
    var said = document.createElement("span");
    said.setAttribute("role", "status");
    box.appendChild(go);
    box.appendChild(said);
    out.appendChild(box);
    go.addEventListener("click", function () {
      go.disabled = true;
      H.send("/api/sources/fusion", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ancienne: near.nouvelle, nouvelle: near.connue }) })
        .then(function (done) {
          said.className = "";
          said.textContent = " " + H.french(done.phrase);
          H.status(done.phrase);
          return after();
        }, function (err) {
          said.className = "hs-erreur";
          said.textContent = " " + err.message;
          go.disabled = false;
        });
    });
  }

  /* Under an import's account, how to take it back when the file was the wrong one: « Annuler cet import » asks
   * why, then withdraws the batch (POST /api/lots/{lot}/annulation) and says what left, or why it cannot. */
  function withdrawal(out, batchId, fileName, after) {
    var box = document.createElement("details");
    box.className = "hs-annuler-lot";
    box.innerHTML = "<summary>Annuler cet import (lot n° " + esc(batchId) + ", " + esc(fileName) +
      ")</summary><label>Pourquoi <input name='motif_annulation' maxlength='2000' " +
      "placeholder='mauvais fichier : février au lieu de mars'></label>" +
      "<button type='button' class='hs-annuler'>Retirer ses lignes</button><p class='hs-annulation' role='status'></p>";
    out.appendChild(box);
    var said = box.querySelector(".hs-annulation");
    var go = box.querySelector("button.hs-annuler");
    go.addEventListener("click", function () {
      var why = box.querySelector("[name=motif_annulation]").value.trim();
      if (why.length < 5) {
        said.className = "hs-annulation hs-erreur";
        said.textContent = "Dites en quelques mots pourquoi le lot est annulé (au moins 5 caractères).";
        return;
      }
      go.disabled = true;
      H.send("/api/lots/" + encodeURIComponent(batchId) + "/annulation", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ motif: why }) })
        .then(function (done) {
          said.className = "hs-annulation";
          said.textContent = H.french(done.phrase);
          H.status(done.phrase);
          return after();
        }, function (err) {
          said.className = "hs-annulation hs-erreur";
          said.textContent = err.message;
          go.disabled = false;
        });
    });
  }

  /* « Imports récents » under the import panel: the last batches, each with what it recorded and its state, and
   * how to take back one that went in (the same as under an import's account); a withdrawn one says by whom and
   * why. ``after(kind)``: what to draw again. */
  var LABELS = { lots: {}, types: {} }; // the batches' states and kinds in words (service/labels.py, by the page)
  function recentBatches(box, after) {
    var list = box.querySelector("ol");
    list.innerHTML = "<li>Chargement…</li>";
    return H.getJSON("/api/lots?limite=10&fichiers=true").then(function (rows) {
      list.innerHTML = rows.length ? "" : "<li>Aucun import.</li>";
      rows.forEach(function (r) {
        var item = document.createElement("li");
        var kind = LABELS.types[r.kind] || r.kind;
        var start = String(r.started_at).replace(" ", "T");
        var said = "n° " + esc(r.id) + " — " + esc(r.file_name) + " (" + esc(kind) + "), " + H.day(start) + " " +
          H.hour(start) + " : <span class='hs-etat-lot'>" + esc(LABELS.lots[r.status] || r.status) + "</span>";
        if (r.status === "termine") said += ", " + H.number(r.inserted) + " enregistré" + (r.inserted > 1 ? "s" : "");
        if (r.status === "annule") {
          var when = String(r.withdrawn_at).replace(" ", "T");
          said += " le " + H.day(when) + " par " + esc(r.withdrawn_by) + " : " + esc(r.withdrawn_reason);
        }
        item.innerHTML = said;
        if (r.status === "termine" && r.inserted > 0) { // a batch that added nothing has nothing to take back
          withdrawal(item, r.id, r.file_name, function () {
            return Promise.resolve(after(kind)).then(function () { return recentBatches(box, after); });
          });
        }
        list.appendChild(item);
      });
    }).catch(function (err) {
      list.innerHTML = "<li class='hs-erreur' role='alert'>" + esc(err.message) + "</li>";
    });
  }

  H.tournee = function (map) {
    var form = document.getElementById("hs-tournee");
    var view = document.getElementById("hs-tournee-vue"); // a reader's: the shift of a link, without the form
    if (!form && !view) return;
    H.intoControl(map, form ? "hs-tournee" : "hs-tournee-vue", "topleft");
    var panel = document.getElementById("hs-tournee-resultat");
    var group = L.layerGroup().addTo(map);
    /* /carte#tournee=N (the link of a shift's sheet): that shift, at load and when such a link is followed on the
     * open map (only the address's « # » part changes then: no new page) */
    function follow() {
      var match = /(?:^|[#&])tournee=(\d+)/.exec(window.location.hash);
      if (!match || String(state.id) === match[1]) return;
      if (view) view.hidden = false;
      show(map, group, panel, "/api/tournees/" + match[1]);
    }
    window.addEventListener("hashchange", follow);
    if (!form) {
      follow();
      return;
    }
    var shifts = form.querySelector("details.hs-tournees");
    var redraw = function (id) { return show(map, group, panel, "/api/tournees/" + id); };
    if (shifts) {
      shifts.addEventListener("toggle", function () { if (shifts.open) recent(shifts, redraw); });
    }
    var sheet = form.querySelector("details.hs-feuille");
    if (sheet) {
      sheetImport(sheet, function (what) {
        if (what === "signalements") { // new reports, and perhaps addresses to check
          if (H.refreshReports) H.refreshReports();
          if (H.refreshVerifications) H.refreshVerifications();
          return null;
        }
        if (H.refreshSites) H.refreshSites(); // the visits and the points' priorities moved; the permits
        return Promise.all([state.id !== null ? redraw(state.id) : null,
          shifts && shifts.open ? recent(shifts, redraw) : null]);
      });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      show(map, group, panel, "/api/tournees", { method: "POST", body: JSON.stringify(body(form)) }).then(function () {
        button.disabled = false;
        if (shifts && shifts.open) recent(shifts, redraw); // the new shift at the top of the list
      });
    });
    follow();
  };

  /* /carte#site=PS-0001 (or AX-…, SIG-…): open the map on that site with a popup. */
  H.openSite = function (map) {
    var match = /(?:^|[#&])site=([A-Z]+)-(\d+)/.exec(window.location.hash);
    if (!match) return;
    var kind = match[1], number = match[2];
    var url = kind === "PS" ? "/api/points-sensibles/PS-" + number : kind === "AX" ? "/api/axes/AX-" + number :
      kind === "SIG" ? "/api/signalements/" + Number(number) : null;
    if (!url) return;
    H.getJSON(url).then(function (f) {
      var layer = L.geoJSON(f, { style: { color: "#000", weight: 3, fill: false, className: "hs-site-lien" } }).addTo(map);
      var p = f.properties || {};
      map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [40, 40] });
      layer.bindPopup("<div class='hs-popup'><h3>" + esc(kind + "-" + number) + "</h3><p>" +
        esc(p.adresse || p.rue || p.address || "") + "</p></div>").openPopup();
    }).catch(function (err) { H.status(err.message); });
  };

  var planning = H.planification;
  H.planification = function (map, tiles, config) {
    if (config && config.couleurs_equipes && config.couleurs_equipes.length) COLOURS = config.couleurs_equipes;
    if (config && config.libelles) LABELS = { lots: config.libelles.lots || {}, types: config.libelles.types || {} };
    planning(map, tiles, config);
    H.tournee(map);
    H.openSite(map);
    window.addEventListener("hashchange", function () { H.openSite(map); }); // a link followed on the open map
  };
})();
