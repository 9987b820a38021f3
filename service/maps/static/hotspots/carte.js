/* Hotspots — layers of the planning map and of the public map.
 *
 * The page carries no data: every layer is fetched from the API (same origin, the session cookie goes along),
 * and the report layers again whenever the view or the filters change. window.hotspotsLayers summarises what
 * each layer drew (visible, loaded, number of items, error) for people and for the browser test.
 */
(function () {
  "use strict";

  var state = (window.hotspotsLayers = {});

  /* French typography's no-break spaces (service/text.py, french_spaces): a line on the map never ends on « nor
   * starts with », a colon or a question mark, however the panel wraps the service's sentences. */
  function french(text) {
    return String(text).replace(/« /g, "«\u00a0").replace(/ ([»:;!?])/g, "\u00a0$1");
  }

  /* Text for innerHTML: escaped, and set as French sets it (:func:`french`). */
  function esc(value) {
    return french(String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    }));
  }

  /* -- Words ------------------------------------------------------------------------------------------------
   * Every word a person reads comes from the page's configuration (service/maps/words.py: French, Dutch or
   * English), set by ``speak`` before anything is drawn; numbers and dates follow its locale. Dates and hours are
   * those of the service's time zone (the server reads a date without offset in it), whatever the device's. */
  var words = {};
  var locale = "fr-BE";
  var zone = "Europe/Brussels";
  var plurals = null;

  function speak(config) {
    words = config.mots || {};
    locale = config.locale || "fr-BE";
    zone = config.fuseau || zone;
    plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(locale) : null;
  }

  /* The words under ``key``, filled in with ``values`` (numbers written in the page's locale; {n} is a count, which
   * also picks the singular or the plural); the key itself when the catalogue lacks it (a slip that the tests
   * catch, never a blank). */
  function word(key, values) {
    var entry = words[key];
    if (entry === undefined) return key;
    values = values || {};
    if (typeof entry !== "string") {
      var n = Number(values.n);
      entry = entry[plurals ? plurals.select(n) : n === 1 ? "one" : "other"] || entry.other;
    }
    return entry.replace(/\{(\w+)\}/g, function (all, name) {
      var v = values[name];
      return v === undefined ? all : typeof v === "number" ? number(v) : String(v);
    });
  }

  /* ``singular`` or ``plural`` as the page's language agrees them with ``n`` (French: « 0 site », « 1 site »,
   * « 2 sites »; the browsers' plural rules, or « below 2 » without them, as service/text.py french_singular). */
  function agree(n, singular, plural) {
    n = Number(n);
    var one = plurals ? plurals.select(n) === "one" : Math.abs(n) < 2;
    return one ? singular : plural;
  }

  /* A day or a time written without an offset (« 2026-12-04 », « 2026-12-04T23:23 », as the visit form and the
   * day fields write them, and as the server reads them) is already the service's wall clock: shown as written.
   * Read by the browser, it would be taken in the device's zone and shifted into the service's (a visit recorded
   * at 23:23 on a device set to UTC was shown the next day). Returns the instant and the zone to show it in. */
  var WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;
  function instant(value) {
    var m = typeof value === "string" && WALL_CLOCK.exec(value);
    if (!m) return { date: new Date(value), zone: zone };
    var utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
    return { date: new Date(utc), zone: "UTC" };
  }

  function day(value) {
    if (!value) return "—";
    var t = instant(value);
    return isNaN(t.date) ? esc(value) : t.date.toLocaleDateString(locale, { timeZone: t.zone });
  }

  /* A time of day (« 14:30 ») in the service's time zone. */
  function hour(value) {
    if (!value) return "—";
    var t = instant(value);
    if (isNaN(t.date)) return esc(value);
    return t.date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", timeZone: t.zone });
  }

  /* Now as a date-and-time field takes it (« 2026-12-03T08:15 »), in the service's time zone: the visit's date
   * that the server stores, even from a device set to another zone (a phone, a test machine in UTC). */
  function nowField() {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date())
      .forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  function number(value, digits) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString(locale, { maximumFractionDigits: digits || 0 });
  }

  /* The status line has two parts: notices that stay until replaced or withdrawn (a visit recorded, the
   * background switched to offline, a layer in error), and the summary of the current view, which every view
   * reload rewrites. A reload never hides a notice: the officer still reads « Visite n° 12 enregistrée ». */
  var notices = {};

  function statusParts() {
    var el = document.getElementById("hs-etat");
    if (!el) return null;
    var view = el.querySelector(".hs-etat-vue");
    if (!view) {
      var first = el.textContent;
      el.textContent = "";
      var avis = document.createElement("span");
      avis.className = "hs-etat-avis";
      view = document.createElement("span");
      view.className = "hs-etat-vue";
      view.textContent = first;
      el.appendChild(avis);
      el.appendChild(document.createTextNode(" "));
      el.appendChild(view);
      // on a phone the line is cut after three lines (a long notice would fill the screen): a tap shows it all
      el.addEventListener("click", function () { el.classList.toggle("hs-deplie"); });
    }
    return { avis: el.querySelector(".hs-etat-avis"), vue: view };
  }

  function showNotices() {
    var parts = statusParts();
    if (!parts) return;
    parts.avis.textContent = french(Object.keys(notices).map(function (k) { return notices[k]; }).join(" "));
  }

  /* What the current view shows (rewritten at each reload). */
  function status(text) {
    var parts = statusParts();
    if (parts) parts.vue.textContent = french(text);
  }

  /* A notice under ``key`` (one per key: a newer one replaces it); ``null`` withdraws it. */
  function notice(key, text) {
    if (text === null || text === undefined) delete notices[key];
    else notices[key] = text;
    showNotices();
  }

  function clock() {
    return hour(new Date());
  }

  /* A sentence ends with its full stop (the API's messages sometimes carry one, sometimes not). */
  function sentence(text) {
    text = french(String(text || "").trim());
    return /[.!?…]$/.test(text) ? text : text + ".";
  }

  /* What went wrong, as a sentence: the service's own message and advice when it answered with one, otherwise
   * what the status means for the person (an expired session, a server in trouble). */
  function failure(r, body) {
    if (body && body.erreur) return sentence(body.erreur) + (body.conseil ? " " + sentence(body.conseil) : "");
    if (r.status === 401) return word("session_expiree");
    if (r.status >= 500) return word("erreur_service", { statut: r.status });
    return word("reponse_inattendue", { statut: r.status });
  }

  /* A request to the API (same origin, session cookie): the JSON body, or an Error whose message is a sentence of
   * the page's language, never the browser's own « Failed to fetch » or « Unexpected token »; the Error carries the
   * answer's ``status``, or ``unreachable`` when there was no answer. */
  function send(url, options) {
    var opts = L.extend({ credentials: "same-origin" }, options || {});
    opts.headers = L.extend({ Accept: "application/json" }, (options && options.headers) || {});
    return fetch(url, opts).then(function (r) {
      var keptAt = r.headers.get("X-Hotspots-Garde-Le"); // given back from the device (sw.js): no network
      if (keptAt) offline(keptAt);
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok || body === null) {
          var refused = new Error(failure(r, body));
          refused.status = r.status;
          throw refused;
        }
        return body;
      });
    }, function () {
      var away = new Error(word("injoignable"));
      away.unreachable = true; // no answer at all: what can wait for the network (see attente.js)
      throw away;
    });
  }

  /* Answers given back from the device (sw.js): said until the service answers again, which is asked every
   * 20 s (a route the device never keeps, and not the browser's cache either). */
  var backOnline = null;
  function offline(keptAt) {
    notice("hors_ligne", word("hors_ligne", { le: day(keptAt) + " " + hour(keptAt) }));
    if (backOnline) return;
    backOnline = window.setInterval(function () {
      fetch("/api/health", { cache: "no-store" }).then(function (r) {
        if (!r.ok) return;
        window.clearInterval(backOnline);
        backOnline = null;
        notice("hors_ligne", null);
      }, function () { /* still away */ });
    }, 20000);
  }

  function getJSON(url) {
    return send(url);
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== "") parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  /* A named overlay: loads when shown, remembers its summary in window.hotspotsLayers. A reload that would redraw
   * the layer while one of its own popups is open waits for that popup to close (not for the next one when a click
   * swaps them): redrawing clears the layer, which closes the popup under the person reading it or typing in its
   * form (a visit, an intervention). A popup of another layer does not hold it back. */
  function Overlay(map, name, label, load) {
    this.map = map;
    this.name = name;
    this.label = label;
    this.group = L.layerGroup();
    this.load = load;
    this.serial = 0;
    this.popupOpen = false;
    this.waiting = false;
    state[name] = { libelle: label, affichee: false, chargee: false, chargements: 0, elements: 0, erreur: null };
    var self = this;
    map.on("popupopen", function (ev) {
      self.popupOpen = holds(self.group, ev.popup._source);
    });
    map.on("popupclose", function () {
      if (!self.popupOpen) return;
      self.popupOpen = false;
      setTimeout(function () {
        if (!self.waiting || self.popupOpen) return; // a click swapped it for another of this layer's popups
        self.waiting = false;
        self.refresh();
      }, 0);
    });
    this.group.on("add", function () {
      state[name].affichee = true;
      self.refresh();
    });
    this.group.on("remove", function () {
      state[name].affichee = false;
    });
  }

  /* A load draws into what it is given, when its answer comes. Answers can come back out of order (a wide view's
   * slower than the close view asked after it): a load overtaken by a newer one draws nothing, so the layer
   * always shows the last view asked for. */
  Overlay.prototype.refresh = function () {
    if (!this.map.hasLayer(this.group)) return Promise.resolve();
    if (this.popupOpen) {
      this.waiting = true; // redrawn once its popup closes (the constructor)
      return Promise.resolve();
    }
    var self = this;
    var serial = ++this.serial;
    var group = this.group;
    /* Whether this load may still draw: not when a newer one was asked, nor when a popup of the layer opened
     * while the answer was on its way (the load is then given up and asked again when the popup closes). */
    function current() {
      if (serial !== self.serial) return false;
      if (!self.popupOpen) return true;
      self.serial += 1;
      self.waiting = true;
      return false;
    }
    var drawing = {
      clearLayers: function () { if (current()) group.clearLayers(); return drawing; },
      addLayer: function (layer) { if (current()) group.addLayer(layer); return drawing; },
    };
    state[this.name].chargee = false;
    return this.load(drawing)
      .then(function (count) {
        if (serial !== self.serial) return;
        state[self.name].chargee = true;
        state[self.name].chargements += 1;
        state[self.name].elements = count;
        if (state[self.name].erreur !== null) notice("couche:" + self.name, null);
        state[self.name].erreur = null;
      })
      .catch(function (err) {
        state[self.name].erreur = String(err.message || err);
        notice("couche:" + self.name,
          word("couche_en_erreur", { couche: self.label, erreur: sentence(state[self.name].erreur) }));
      });
  };

  function geojsonInto(group, data, options) {
    group.clearLayers();
    var layer = L.geoJSON(data, options);
    group.addLayer(layer);
    return layer.getLayers().length;
  }

  function viewParams(map) {
    var b = map.getBounds();
    return {
      bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) {
          return v.toFixed(5);
        })
        .join(","),
      zoom: map.getZoom(),
    };
  }

  /* The day after a calendar day (« 2026-12-02 » → « 2026-12-03 »), counted in UTC where no day has 23 hours (a
   * device's local midnight east of Greenwich was written back as the same day). */
  function nextDay(value) {
    if (!value) return "";
    var d = new Date(value + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  function readFilters(form) {
    var data = new FormData(form);
    return {
      depuis: data.get("depuis") || "",
      jusqu_a: nextDay(data.get("jusqu_a") || ""),
      categorie: data.get("categorie") || "",
      groupe: data.get("groupe") || "",
      lieu: data.get("lieu") || "",
    };
  }

  function intoControl(map, id, position) {
    var el = document.getElementById(id);
    if (!el) return;
    var Box = L.Control.extend({
      onAdd: function () {
        L.DomEvent.disableClickPropagation(el);
        L.DomEvent.disableScrollPropagation(el);
        return el;
      },
    });
    new Box({ position: position }).addTo(map);
  }

  /* Tiles that fail this many times before any loads (or fail more often than they load) mean no internet:
   * the map switches to its own background instead of showing grey squares. */
  var TILE_FAILURES = 3;
  var TILE_SECONDS = 10;
  var NAMES_ZOOM = 16;
  var MAX_NAMES = 200;

  /* The base layers: the online tiles when configured, and the service's own street background. Without
   * tiles, or when they cannot be reached, the street background is shown and the status line says so;
   * window.hotspotsFond tells which background is shown and why. */
  function background(map, base, config, fondUrl) {
    map.attributionControl.setPrefix("Leaflet");
    controlWords(map);
    L.control.scale({ imperial: false }).addTo(map); // metres only: no miles or feet on a Belgian map
    // at once, not animated: a view asked while a zoom animates is dropped by Leaflet, and the page may ask for
    // one as soon as it opens (a place or a site in its address)
    if (config.emprise_zone) map.fitBounds(config.emprise_zone, { animate: false });
    map.createPane("hs-fond").style.zIndex = 250;
    map.createPane("hs-fond-noms").style.zIndex = 260;
    var fond = (window.hotspotsFond = {
      mode: base ? "tuiles" : "hors_ligne",
      raison: base ? null : "reglage",
      erreurs_tuiles: 0,
      tuiles_chargees: 0,
    });
    var names = L.layerGroup();
    var streets = new Overlay(map, "fond_rues", word("fond_rues"), function (group) {
      return getJSON(fondUrl + "rues").then(function (data) {
        var n = geojsonInto(group, data, {
          pane: "hs-fond",
          interactive: false,
          style: { color: "#8c8c8c", weight: 1.5, opacity: 0.9, className: "hs-rue" },
        });
        streetNames();
        return n;
      });
    });

    /* At close zoom, each street of the offline background in view carries its name. */
    function streetNames() {
      names.clearLayers();
      if (!map.hasLayer(streets.group) || map.getZoom() < NAMES_ZOOM) return;
      var view = map.getBounds();
      var shown = 0;
      streets.group.eachLayer(function (geo) {
        geo.eachLayer(function (line) {
          var name = line.feature && line.feature.properties && line.feature.properties.rue;
          if (!name || shown >= MAX_NAMES || !view.intersects(line.getBounds())) return;
          var at = line.getCenter();
          if (!view.contains(at)) return;
          shown++;
          names.addLayer(L.tooltip({ permanent: true, direction: "center", className: "hs-nom-rue", pane: "hs-fond-noms" })
            .setLatLng(at).setContent(esc(name)));
        });
      });
    }
    names.addTo(map);
    map.on("moveend", streetNames);
    streets.group.on("remove", function () { names.clearLayers(); });

    var bases = {};
    if (base) bases[word("tuiles")] = base;
    bases[streets.label] = streets.group;

    function offline(reason, text) {
      if (base && map.hasLayer(base)) map.removeLayer(base);
      fond.mode = "hors_ligne";
      fond.raison = reason;
      map.getContainer().classList.add("hs-sans-tuiles");
      if (!map.hasLayer(streets.group)) streets.group.addTo(map);
      notice("fond", text);
    }

    if (!base) {
      offline("reglage", word("fond_reglage"));
      return bases;
    }
    var timer = null;
    function watchTiles() {
      fond.erreurs_tuiles = 0;
      fond.tuiles_chargees = 0;
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (map.hasLayer(base) && fond.tuiles_chargees === 0) {
          offline("tuiles_muettes", word("tuiles_muettes", { tuiles: word("tuiles") }));
        }
      }, TILE_SECONDS * 1000);
    }
    base.on("tileload", function () { fond.tuiles_chargees++; });
    base.on("tileerror", function () {
      fond.erreurs_tuiles++;
      var none = fond.tuiles_chargees === 0 && fond.erreurs_tuiles >= TILE_FAILURES;
      var most = fond.erreurs_tuiles >= 4 * TILE_FAILURES && fond.erreurs_tuiles > fond.tuiles_chargees;
      if (map.hasLayer(base) && (none || most)) {
        offline("tuiles_injoignables", word("tuiles_injoignables", { tuiles: word("tuiles") }));
      }
    });
    base.on("add", function () {
      fond.mode = "tuiles";
      fond.raison = null;
      map.getContainer().classList.remove("hs-sans-tuiles");
      notice("fond", null);
      watchTiles();
    });
    watchTiles();
    return bases;
  }

  /* Whether ``layer`` is drawn by ``group`` (directly or inside one of its GeoJSON layers). */
  function holds(group, layer) {
    if (!layer || !group.getLayers) return false;
    if (group.hasLayer(layer)) return true;
    return group.getLayers().some(function (child) { return holds(child, layer); });
  }

  /* Layers that follow the view are drawn again after each move, once it settles. A layer with one of its popups
   * open waits for it to close (the Overlay: opening a popup near the edge itself moves the map). */
  function followView(map, overlays) {
    var timer = null;
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        overlays.forEach(function (o) { o.refresh(); });
      }, 150);
    });
  }

  /* Leaflet's own buttons say « Zoom in » and « Close popup » in English: in the page's language instead. */
  function controlWords(map) {
    if (map.zoomControl) {
      [[map.zoomControl._zoomInButton, "zoom_avant"], [map.zoomControl._zoomOutButton, "zoom_arriere"]].forEach(
        function (pair) {
          if (!pair[0]) return;
          pair[0].title = word(pair[1]);
          pair[0].setAttribute("aria-label", word(pair[1]));
        });
    }
    map.on("popupopen", function (ev) {
      var close = ev.popup.getElement() && ev.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", word("fermer"));
    });
  }

  function boundaries(map, fondUrl) {
    var communes = new Overlay(map, "communes", word("limites_communes"), function (group) {
      return getJSON(fondUrl + "communes").then(function (data) {
        return geojsonInto(group, data, {
          interactive: false,
          style: function (f) {
            return {
              color: "#333",
              weight: f.properties.zone ? 3 : 1.5,
              opacity: f.properties.zone ? 0.9 : 0.5,
              fill: false,
              className: "hs-commune",
            };
          },
        });
      });
    });
    return communes;
  }

  /* -- Panels on a phone and on a small laptop ------------------------------------------------------------
   * A phone (or any window under 700 px wide) starts with every panel folded and the layer list in its button;
   * one panel is open at a time (opening one folds the others and the layer list), and a popup folds them all
   * and hides the left ones until it closes.
   * On a wide screen the left panels (filters, « Planifier une tournée ») take turns the same way. Every open
   * panel ends above the map's bottom edge (what does not fit scrolls inside it), and a popup opens in the free
   * part of the map, not under a panel. window.hotspotsPanneaux says which layout is in force. */
  // a phone, or a screen too short for a column of panels beside the layer list and the legend (a small laptop with
  // its browser's bars, a tablet held sideways, a zoomed page): one column, one panel open at a time
  var NARROW = "(max-width: 700px), (max-height: 500px)";
  var BOTTOM_ROOM = 36; // the scale and the attribution stay visible under a left panel
  var GAP = 10;
  var MIN_PANEL = 60; // the least height of an open panel (its title and a line), whatever the screen
  var POPUP_FRAME = 40; // a popup's margins and border around its content

  function isNarrow() {
    return window.matchMedia(NARROW).matches;
  }

  function folds() {
    return Array.prototype.slice.call(document.querySelectorAll("details.hs-volet"));
  }

  /* The side of the map a panel stands on: the panels of one side share its height, top and bottom together. */
  function sideOf(el) {
    return el.closest(".leaflet-left") ? "gauche" : el.closest(".leaflet-right") ? "droite" : "";
  }

  /* The height each open panel may take: down to the map's bottom edge for a panel hanging from the top, up to
   * the controls above it for one standing on the bottom. */
  function fitPanels(map) {
    var box = map.getContainer().getBoundingClientRect();
    document.querySelectorAll(".hs-boite.leaflet-control").forEach(function (el) {
      var r = el.getBoundingClientRect();
      var room;
      if (el.closest(".leaflet-bottom")) {
        room = r.bottom - ceilingOver(el, box) - GAP;
      } else {
        room = floorUnder(el, box) - r.top - GAP - stackedBelow(el);
      }
      el.style.maxHeight = Math.max(MIN_PANEL, Math.floor(room)) + "px";
    });
  }

  /* The room the controls hanging under ``el`` in its corner need: a folded panel its title, an open one the least
   * room it is fitted to (it scrolls inside). A panel leaves them that room, so that their titles stay on screen. */
  function stackedBelow(el) {
    var height = 0;
    for (var next = el.nextElementSibling; next; next = next.nextElementSibling) {
      if (next.classList.contains("leaflet-control") && next.offsetParent !== null) {
        var own = next.getBoundingClientRect().height;
        height += (next.querySelector("details.hs-volet[open]") ? Math.min(own, MIN_PANEL) : own) + GAP;
      }
    }
    return height;
  }

  /* How far up a bottom panel may reach: to the lowest top control (layer list, header, panels) in its way,
   * counted at the panel's widest (a folded legend is narrower than an open one). */
  function ceilingOver(el, box) {
    var r = el.getBoundingClientRect();
    var left = Math.min(r.left, r.right - (parseFloat(getComputedStyle(el).maxWidth) || r.width));
    var ceiling = box.top;
    document.querySelectorAll(".leaflet-top .leaflet-control").forEach(function (c) {
      var o = c.getBoundingClientRect();
      if (o.width > 0 && o.left < r.right && o.right > left) ceiling = Math.max(ceiling, o.bottom);
    });
    return ceiling;
  }

  /* How far down a top panel may reach: to the first bottom control (scale, legend, attribution) in its way,
   * counted at the panel's widest (a plan's list makes it wider than its folded title). */
  function floorUnder(el, box) {
    var r = el.getBoundingClientRect();
    var right = Math.max(r.right, r.left + (parseFloat(getComputedStyle(el).maxWidth) || r.width));
    var floor = box.bottom - BOTTOM_ROOM + GAP;
    document.querySelectorAll(".leaflet-bottom .leaflet-control").forEach(function (c) {
      var o = c.getBoundingClientRect();
      if (o.width > 0 && o.left < right && o.right > r.left) floor = Math.min(floor, o.top);
    });
    return floor;
  }

  /* Fold every panel but ``except``; a folded panel also hides what it shows outside its fold (the result of
   * « Planifier une tournée »), until it is opened again. */
  function foldAll(except) {
    folds().forEach(function (d) {
      if (d === except) return;
      if (d.open) d.open = false;
      var box = d.closest(".hs-boite");
      if (box) box.classList.add("hs-replie");
    });
  }

  /* The bottom of the controls hanging from the top, and the height of those standing on the bottom. */
  function corners(map) {
    var box = map.getContainer().getBoundingClientRect();
    var top = box.top, bottom = box.bottom;
    document.querySelectorAll(".leaflet-control-container .leaflet-control").forEach(function (c) {
      var o = c.getBoundingClientRect();
      if (!o.width) return;
      if (c.closest(".leaflet-top")) top = Math.max(top, o.bottom);
      else bottom = Math.min(bottom, o.top);
    });
    return { top: top - box.top, bottom: box.bottom - bottom };
  }

  /* The room a popup keeps from the map's edges: past the panels on a wide screen, a small margin on a phone. */
  function popupPadding(map, width) {
    var size = map.getSize();
    var left = 0, right = 0;
    document.querySelectorAll(".leaflet-control-container .leaflet-control").forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 60 && el.closest(".leaflet-left")) left = Math.max(left, r.width);
      if (r.width > 60 && el.closest(".leaflet-right")) right = Math.max(right, r.width);
    });
    if (left + right + width + 4 * GAP > size.x) left = right = 0;
    return { topLeft: [left + 2 * GAP, GAP], bottomRight: [right + 2 * GAP, GAP] };
  }

  /* A popup as wide as the screen allows and never taller than the free part of the map: past the panels on a
   * wide screen; on a phone (panels folded first) under the controls at the top, above those at the bottom. */
  function fitPopup(map, control, popup) {
    var size = map.getSize();
    var width = Math.min(380, size.x - 2 * GAP - POPUP_FRAME);
    var pad = popupPadding(map, width);
    var height = size.y - 8 * GAP;
    if (isNarrow()) {
      foldAll(null);
      if (control) control.collapse();
      map.getContainer().classList.add("hs-popup-ouverte"); // the left panels step aside while it is open
      var c = corners(map);
      pad = { topLeft: [GAP, c.top + GAP], bottomRight: [GAP, c.bottom + GAP] };
      height = size.y - c.top - c.bottom - 6 * GAP;
    }
    L.setOptions(popup, { maxWidth: width, minWidth: Math.min(220, width), maxHeight: Math.max(160, height),
      autoPanPaddingTopLeft: pad.topLeft, autoPanPaddingBottomRight: pad.bottomRight });
    popup.update();
  }

  /* A popup whose content grows once open (a stop's visit form, « Visite enregistrée ») is laid out and kept in
   * view again: Leaflet does it only when the content is replaced, so a taller popup rose under the zoom buttons
   * on a phone. Leaflet 1.9's own three steps of Popup.update, without its re-rendering of the content (which
   * would wipe a form being filled in). */
  function keepInView(popup) {
    var node = popup.getElement() && popup.getElement().querySelector(".leaflet-popup-content");
    if (!node || !window.ResizeObserver) return;
    var height = node.offsetHeight;
    var pending = false;
    var watch = new ResizeObserver(function () {
      if (pending || node.offsetHeight === height) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        if (!popup.isOpen()) return;
        popup._updateLayout();
        popup._updatePosition();
        popup._adjustPan();
        height = node.offsetHeight;
      });
    });
    watch.observe(node);
    popup.once("remove", function () { watch.disconnect(); });
  }

  /* The layer list (checkboxes) of a page, folded into its button on a phone; expanding it folds the panels. */
  function layersControl(map, bases, overlays) {
    var narrow = isNarrow();
    var control = L.control.layers(bases, overlays, { collapsed: narrow, position: "topright" });
    var expand = control.expand;
    control.expand = function () {
      if (isNarrow()) foldAll(null);
      return expand.apply(this, arguments);
    };
    control.addTo(map);
    var toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.title = word("couches");
      toggle.setAttribute("aria-label", word("couches"));
    }
    panels(map, control);
    return control;
  }

  /* A panel opened: on a phone every other one folds (with the layer list); on a wide screen, those of its side. */
  function opened(d, control) {
    var box = d.closest(".hs-boite");
    if (box) box.classList.remove("hs-replie");
    if (isNarrow()) {
      foldAll(d);
      control.collapse();
      return;
    }
    folds().forEach(function (other) {
      if (other !== d && other.open && sideOf(other) === sideOf(d)) other.open = false;
    });
  }

  /* A panel that grows or shrinks (the status line rewritten, a plan drawn) moves the ones under it: all are
   * fitted again, once per frame. */
  function refitOnResize(map) {
    if (!window.ResizeObserver) return;
    var pending = false;
    var watch = new ResizeObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        fitPanels(map);
      });
    });
    document.querySelectorAll(".leaflet-control-container .leaflet-control, .hs-boite").forEach(function (c) {
      watch.observe(c);
    });
  }

  function panels(map, control) {
    var narrow = isNarrow();
    if (narrow) foldAll(null);
    folds().forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (d.open) opened(d, control);
        fitPanels(map);
      });
    });
    map.on("popupopen", function (ev) {
      fitPopup(map, control, ev.popup);
      keepInView(ev.popup);
    });
    map.on("popupclose", function () { map.getContainer().classList.remove("hs-popup-ouverte"); });
    map.on("resize", function () { fitPanels(map); });
    refitOnResize(map);
    window.hotspotsPanneaux = { telephone: narrow };
    fitPanels(map);
  }

  /* « Y aller » under a site or a stop: a ``geo:`` link (RFC 5870) to (``lat``, ``lon``), which a phone opens in
   * its navigation app (OsmAnd, Organic Maps, Google Maps, Waze…), ``name`` as the destination's label. */
  function goThere(lat, lon, name) {
    if (lat === null || lat === undefined || lon === null || lon === undefined) return "";
    var at = Number(lat).toFixed(6) + "," + Number(lon).toFixed(6);
    var href = "geo:" + at + "?q=" + at + "(" + encodeURIComponent(name || "") + ")";
    return "<p class='hs-y-aller'><a href='" + esc(href) + "'>Y aller (GPS du téléphone)</a></p>";
  }

  window.HotspotsCarte = { esc: esc, french: french, state: state, Overlay: Overlay, getJSON: getJSON, send: send,
    query: query, geojsonInto: geojsonInto, viewParams: viewParams, readFilters: readFilters, intoControl: intoControl,
    background: background, boundaries: boundaries, day: day, hour: hour, nowField: nowField, nextDay: nextDay,
    number: number, status: status, notice: notice, clock: clock, layersControl: layersControl, speak: speak,
    word: word, agree: agree, sentence: sentence, followView: followView, fitPanels: fitPanels, isNarrow: isNarrow,
    foldAll: foldAll, goThere: goThere };
})();
