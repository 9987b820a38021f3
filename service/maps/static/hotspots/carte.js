/* Hotspots — layers of the planning map and of the public map.
 *
 * The page carries no data: every layer is fetched from the API (same origin, the session cookie goes along),
 * and the report layers again whenever the view or the filters change. window.hotspotsLayers summarises what
 * each layer drew (visible, loaded, number of items, error) for people and for the browser test.
 */
(function () {
  "use strict";

  var state = (window.hotspotsLayers = {});

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function day(value) {
    if (!value) return "—";
    var d = new Date(value);
    return isNaN(d) ? esc(value) : d.toLocaleDateString("fr-BE");
  }

  function number(value, digits) {
    if (value === null || value === undefined) return "—";
    return Number(value).toLocaleString("fr-BE", { maximumFractionDigits: digits || 0 });
  }

  function status(text) {
    var el = document.getElementById("hs-etat");
    if (el) el.textContent = text;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && body.erreur) || "Erreur " + r.status);
        return body;
      });
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== null && v !== undefined && v !== "") parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  /* A named overlay: loads when shown, remembers its summary in window.hotspotsLayers. */
  function Overlay(map, name, label, load) {
    this.map = map;
    this.name = name;
    this.label = label;
    this.group = L.layerGroup();
    this.load = load;
    this.serial = 0;
    state[name] = { libelle: label, affichee: false, chargee: false, chargements: 0, elements: 0, erreur: null };
    var self = this;
    this.group.on("add", function () {
      state[name].affichee = true;
      self.refresh();
    });
    this.group.on("remove", function () {
      state[name].affichee = false;
    });
  }

  Overlay.prototype.refresh = function () {
    if (!this.map.hasLayer(this.group)) return Promise.resolve();
    var self = this;
    var serial = ++this.serial;
    state[this.name].chargee = false;
    return this.load(this.group)
      .then(function (count) {
        if (serial !== self.serial) return;
        state[self.name].chargee = true;
        state[self.name].chargements += 1;
        state[self.name].elements = count;
        state[self.name].erreur = null;
      })
      .catch(function (err) {
        state[self.name].erreur = String(err.message || err);
        status("Couche « " + self.label + " » : " + state[self.name].erreur);
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

  function nextDay(value) {
    if (!value) return "";
    var d = new Date(value + "T00:00:00");
    d.setDate(d.getDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  function readFilters(form) {
    var data = new FormData(form);
    return {
      depuis: data.get("depuis") || "",
      jusqu_a: nextDay(data.get("jusqu_a") || ""),
      categorie: data.get("categorie") || "",
      groupe: data.get("groupe") || "",
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

  function background(map, base, config, fondUrl) {
    map.attributionControl.setPrefix("Leaflet");
    if (config.emprise_zone) map.fitBounds(config.emprise_zone);
    var pane = map.createPane("hs-fond");
    pane.style.zIndex = 250;
    var streets = new Overlay(map, "fond_rues", "Rues (fond hors ligne)", function (group) {
      return getJSON(fondUrl + "rues").then(function (data) {
        return geojsonInto(group, data, {
          pane: "hs-fond",
          interactive: false,
          style: { color: "#8c8c8c", weight: 1.5, opacity: 0.9, className: "hs-rue" },
        });
      });
    });
    var bases = {};
    if (base) bases["Tuiles en ligne"] = base;
    bases[streets.label] = streets.group;
    if (!base) {
      map.getContainer().classList.add("hs-sans-tuiles");
      streets.group.addTo(map);
    }
    return bases;
  }

  function boundaries(map, fondUrl) {
    var communes = new Overlay(map, "communes", "Limites des communes", function (group) {
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

  window.HotspotsCarte = { esc: esc, state: state, Overlay: Overlay, getJSON: getJSON, query: query,
    geojsonInto: geojsonInto, viewParams: viewParams, readFilters: readFilters, intoControl: intoControl,
    background: background, boundaries: boundaries, day: day, number: number, status: status };
})();
