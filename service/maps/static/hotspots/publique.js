/* Hotspots — the public map: report counts per hexagon and category group, hexagons under the threshold left
 * out by the server. No login, no report, no personal data. Depends on carte.js. */
(function () {
  "use strict";
  var H = window.HotspotsCarte;
  var esc = H.esc;

  H.publique = function (map, tiles, config) {
    H.speak(config);
    var word = H.word;
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

    var hexes = new H.Overlay(map, "hexagones", word("zones"), function (group) {
      var params = H.viewParams(map);
      params.depuis = filters.depuis;
      params.langue = config.langue;
      return H.getJSON("/api/public/carte/mailles" + H.query(params)).then(function (data) {
        group.clearLayers();
        var shown = 0;
        data.features.forEach(function (f) {
          var p = f.properties;
          var n = filters.groupe ? p.groupes[filters.groupe] : p.n;
          var fill = n ? colour(n) : null;
          if (!fill) return;
          shown++;
          var lines = config.groupes.map(function (pair) {
            var v = p.groupes[pair[0]];
            var text = v === undefined ? H.number(0) : v === null ? esc(word("moins_de", { seuil: data.seuil })) :
              H.number(v);
            return "<tr><th>" + esc(pair[1]) + "</th><td>" + text + "</td></tr>";
          });
          group.addLayer(L.geoJSON(f, {
            style: { color: "#fff", weight: 1, fillColor: fill, fillOpacity: 0.7, className: "hs-hexagone" },
          }).bindPopup("<h3>" + esc(word("signalements", { n: p.n })) + "</h3><table>" + lines.join("") +
            "</table>"));
        });
        H.status(word("vue_publique", { n: data.total, masques: data.masques.signalements, seuil: data.seuil }));
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
    H.followView(map, [hexes]);
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
