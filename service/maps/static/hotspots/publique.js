/* Hotspots — the public map: report counts per hexagon and category group, hexagons under the threshold left
 * out by the server. No login, no report, no personal data. Depends on carte.js. */
(function () {
  "use strict";
  var H = window.HotspotsCarte;
  var esc = H.esc;

  H.publique = function (map, tiles, config) {
    var filters = { depuis: config.depuis, groupe: "" };
    var fondUrl = "/api/public/carte/fond/";
    var bases = H.background(map, tiles, config, fondUrl);
    H.intoControl(map, "hs-entete", "topleft");
    H.intoControl(map, "hs-filtres", "topleft");
    H.intoControl(map, "hs-legende", "bottomright");

    function colour(n) {
      var found = null;
      config.classes.forEach(function (c) { if (n >= c.min) found = c; });
      return found ? found.couleur : null;
    }

    var hexes = new H.Overlay(map, "hexagones", "Signalements par zone", function (group) {
      var params = H.viewParams(map);
      params.depuis = filters.depuis;
      return H.getJSON("/api/public/carte/mailles" + H.query(params)).then(function (data) {
        group.clearLayers();
        var shown = 0;
        data.features.forEach(function (f) {
          var p = f.properties;
          var n = filters.groupe ? p.groupes[filters.groupe] : p.n;
          var fill = n ? colour(n) : null;
          if (!fill) return;
          shown++;
          var lines = Object.keys(config.groupes).map(function (g) {
            var v = p.groupes[g];
            var text = v === undefined ? "0" : v === null ? "moins de " + data.seuil : H.number(v);
            return "<tr><th>" + esc(config.groupes[g]) + "</th><td>" + text + "</td></tr>";
          });
          group.addLayer(L.geoJSON(f, {
            style: { color: "#fff", weight: 1, fillColor: fill, fillOpacity: 0.7, className: "hs-hexagone" },
          }).bindPopup("<h3>" + H.number(p.n) + " signalements</h3><table>" + lines.join("") + "</table>"));
        });
        H.status(H.number(data.total) + " signalements dans la vue ; " + H.number(data.masques.signalements) +
          " dans des zones de moins de " + data.seuil + ", non affichées.");
        return shown;
      });
    });
    var communes = H.boundaries(map, fondUrl);
    var control = {};
    control[hexes.label] = hexes.group;
    control[communes.label] = communes.group;
    H.layersControl(map, bases, control);
    hexes.group.addTo(map);
    communes.group.addTo(map);
    var timer = null;
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { hexes.refresh(); }, 150);
    });
    var form = document.getElementById("hs-filtres");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = H.readFilters(form);
      filters.depuis = f.depuis;
      filters.groupe = f.groupe;
      hexes.refresh();
    });
    window.hotspotsMap = map;
  };
})();
