# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Points sensibles et axes problématiques
#
# Les lieux que l'analyse du service a retenus (carte), leurs tendances, la concentration des signalements
# (part des signalements contre part de la surface et de la longueur des rues), le back-test contre les méthodes
# de référence, ce que changent le rayon `eps` et le modèle nul, et si une action a servi.
#
# Mêmes réglages de connexion que la commande `hotspots` ; jeu de démonstration importé si la base est vide.

# %%
import folium
import matplotlib.pyplot as plt
import pandas as pd

from service.activity.effect import effect_sentences, read_effect
from service.analyse.axes import segment
from service.analyse.explore import (
    concentration_by_area,
    concentration_by_street,
    parameter_sweep,
    share_needed,
    trend_cells,
)
from service.analyse.listing import stored_axes, stored_points
from service.analyse.pipeline import street_network
from service.analyse.store import load_address_streets, load_reports
from service.db import connect
from service.db.vocabulary import load_labels
from service.demo.load import ensure_demo
from service.errors import InvalidValueError
from service.labels import TREND_LABELS, state_label, trend_label
from service.maps.notebook import geojson_layer, zone_map
from service.maps.page import STYLE
from service.settings import load_settings
from service.zone import zone_polygon

settings = load_settings()
ensure_demo(settings)
conn = connect(settings, autocommit=True)
now = pd.Timestamp.now(tz="UTC")
since = now - pd.Timedelta(days=settings.analysis_window_days)
reports = load_reports(conn, since=since.to_pydatetime(), zone=zone_polygon(settings))
exposure = load_address_streets(conn)  # the official addresses: the "exposure" null model, and the streets
streets = street_network(addresses=exposure)  # the analysis' own streets, drawn through the addresses
segments = segment(streets)
points = stored_points(conn)
axes = stored_axes(conn)
print(
    f"{len(reports)} signalements depuis le {since:%d/%m/%Y} ; {len(points)} points sensibles et {len(axes)} axes "
    "enregistrés par la dernière analyse (hotspots analyse)."
)

# %% [markdown]
# ## La carte
# Points sensibles colorés par tendance (mêmes couleurs que la carte du service), axes en violet.

# %%
trend_colour = {code: group["couleur"] for group in STYLE["tendances"].values() for code in group["codes"]}
points["tendance"] = points["trend"].map(trend_label)
fmap = zone_map(settings, streets=streets)
geojson_layer(
    axes,
    name="Axes problématiques",
    colour=STYLE["axe"],
    weight=5,
    tooltip={"id": "Axe", "street": "Rue", "reports": "Signalements", "rate_per_100m": "Pour 100 m"},
).add_to(fmap)
geojson_layer(
    points,
    name="Points sensibles",
    colour=trend_colour,
    column="trend",
    tooltip={"id": "Point", "address_label": "Adresse", "n_reports": "Signalements", "tendance": "Tendance"},
).add_to(fmap)
folium.LayerControl(collapsed=False).add_to(fmap)
fmap

# %%
categories = load_labels(conn).categories
points.assign(
    etat=points["state"].map(state_label),
    categorie=points["main_category"].map(lambda c: categories.get(c, c)),
    priorite=points["priority"].round(1),
)[["id", "address_label", "etat", "categorie", "n_reports", "tendance", "priorite"]].rename(
    columns={
        "id": "point",
        "address_label": "adresse la plus proche",
        "etat": "état",
        "categorie": "catégorie principale",
        "n_reports": "signalements",
        "priorite": "priorité",
    }
)

# %% [markdown]
# ## Tendances (points chauds émergents)
# Chaque maille de 100 m chaude au moins une fois dans le cube espace-temps (pas d'environ 8 semaines) reçoit
# une catégorie ; la tendance d'un point vient de ses mailles.

# %%
cells = trend_cells(reports, exposure=exposure, now=now)
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1, 1.4]})
cells["category"].map(trend_label).value_counts().sort_values().plot(kind="barh", ax=left, color="#54278f")
left.set_xlabel("mailles")
left.set_ylabel("")
left.set_title("Mailles chaudes par catégorie")
streets.plot(ax=right, color="#dddddd", linewidth=0.5)
for code, colour in trend_colour.items():
    part = cells[cells["category"] == code]
    if len(part):
        part.plot(ax=right, color=colour, label=TREND_LABELS[code])
right.legend(loc="lower left", fontsize=8)
right.set_axis_off()
right.set_title("Où (Lambert 72)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Concentration des signalements
# Les mailles (ou les tronçons de rue) les plus chargés d'abord : quelle part des signalements tiennent-ils,
# pour quelle part de la surface (ou de la longueur des rues) ? La diagonale serait une répartition uniforme.

# %%
by_area = concentration_by_area(reports, exposure=exposure)
by_street = concentration_by_street(reports, segments)
fig, ax = plt.subplots(figsize=(6.5, 5))
ax.plot(by_area["part_surface"], by_area["part_signalements"], label="mailles de 100 m (surface)")
ax.plot(by_street["part_longueur"], by_street["part_signalements"], label="tronçons de rue (longueur)")
ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="répartition uniforme")
ax.set_xlabel("part de la surface / de la longueur des rues")
ax.set_ylabel("part des signalements")
ax.set_title("Courbe de concentration")
ax.legend()
plt.tight_layout()
plt.show()


def percent(share: float) -> str:
    return f"{share * 100:.1f} %".replace(".", ",")


print(
    f"La moitié des signalements tient sur {percent(share_needed(by_area))} de la surface étudiée et sur "
    f"{percent(share_needed(by_street))} de la longueur des rues (Weisburd : environ 2 à 6 % des tronçons)."
)

# %% [markdown]
# ## Back-test
# Apprendre jusqu'au dernier trimestre, compter ce que chaque méthode aurait capturé ensuite, sur la surface de la
# zone (comme `hotspots backtest`). Cette cellule appelle les fonctions publiques du back-test telles quelles ;
# les graphiques suivants ne lisent que leurs colonnes `methode`, `couverture` et `taux_de_capture`.

# %%
from service.analyse.area import polygon_area
from service.analyse.backtest import backtest
from service.analyse.backtest_axes import backtest_axes
from service.zone import zone_outline

xy = (reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy())
area = polygon_area(zone_outline(settings), crs="EPSG:31370", source="zone", also=xy)
end = pd.Timestamp(reports["observed_at"].max())
split = end - pd.Timedelta(days=91)
by_cells = backtest(reports, train_until=split, test_until=end, area=area, exposure=exposure).table
by_segments = backtest_axes(reports, segments, train_until=split, test_until=end, exposure=exposure)
by_cells

# %%
fig, axes_ = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, table, unit in ((axes_[0], by_cells, "surface"), (axes_[1], by_segments, "longueur de rue")):
    for method, rows in table.groupby("methode", sort=False):
        ax.plot(rows["couverture"] * 100, rows["taux_de_capture"] * 100, marker="o", label=f"{method}")
    ax.set_xlabel(f"part de la {unit} retenue (%)")
    ax.set_ylabel("signalements futurs capturés (%)")
    ax.set_title(f"Back-test par {unit}")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()
by_segments

# %% [markdown]
# ## Où sont attendus les signalements d'une catégorie
# La couche « Prévision du trimestre » de la carte, pour une catégorie (celle qui a le plus de signalements) : les
# mailles de 100 m où la prévision mesurée par le back-test attend le plus de ses signalements dans les trois mois
# après le dernier, en bleus par part de la zone (1, 5 puis 10 % de ses mailles). C'est la fonction que la carte
# appelle quand on choisit une catégorie dans ses filtres ; en dessous, sa vérification sur les trois mois d'avant.

# %%
from service.analyse.forecast_map import check_words, forecast_cells

category = reports["category"].value_counts().index[0]
cells = forecast_cells(
    reports[reports["category"] == category], now=end, zone=zone_outline(settings), exposure=exposure
)
print(check_words(cells.attrs["controle"], categories.get(category, category)))


def forecast_map(cells, name, column, tooltip):
    """Forecast cells on the zone's map, in the blues of the map's legend by their ``column`` share."""
    fmap = zone_map(settings, streets=streets)
    geojson_layer(
        cells.assign(attendus=cells["attendus"].round(1)),
        name=name,
        colour={share: s["couleur"] for share, s in STYLE["prevision"].items()},
        column=column,
        tooltip=tooltip,
        weight=0.5,
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


forecast_map(
    cells,
    f"Prévision du trimestre : {categories.get(category, category)}",
    "classe",
    {"rang": "Rang", "classe": "Part de la zone", "attendus": "Signalements attendus"},
)

# %% [markdown]
# ## Les mailles d'une commune, classées entre elles
# Une commune rurale n'a que peu de mailles parmi les 10 % de la zone : sa patrouille veut savoir où aller d'abord
# chez elle. Toutes les mailles de la zone (`every_cell=True`), puis celles de Neupré, classées entre elles
# (`place_shares` : ses 1, 5 et 10 %) et vérifiées sur elles seules (`check_of` : la même prévision faite trois mois
# plus tôt, et ce que ses parts ont reçu depuis, à côté du comptage). Ce sont les fonctions de la carte quand on y
# choisit un lieu ; elle place une maille par l'adresse officielle la plus proche de son centre, ce carnet par le
# contour de la commune.

# %%
import numpy as np

from service.analyse.forecast_map import CHECK_COLUMNS, HORIZON_MONTHS, CheckCells, check_of, place_shares
from service.zone import commune_outlines, communes_at

every = forecast_cells(reports, now=end, zone=zone_outline(settings), exposure=exposure, every_cell=True)
centres = every.geometry.centroid
here = every[communes_at(commune_outlines(settings), centres.x.to_numpy(), centres.y.to_numpy()) == "Neupré"]
kept, shares = place_shares(here["attendus"].to_numpy())
own = here.iloc[kept].assign(part_du_lieu=shares, rang_du_lieu=np.arange(1, len(kept) + 1))
print(f"Neupré : {len(here)} mailles, {len(own)} dessinées (ses 10 % premières).")
if every.attrs["controle"]:  # enough history before the last three months
    check = check_of(CheckCells(HORIZON_MONTHS, *(here[c].to_numpy(dtype=float) for c in CHECK_COLUMNS)))
    print(check_words(check, where="de Neupré"))
forecast_map(
    own,
    "Prévision du trimestre : Neupré, ses mailles entre elles",
    "part_du_lieu",
    {"rang_du_lieu": "Rang à Neupré", "rang": "Rang dans la zone", "attendus": "Signalements attendus"},
)

# %% [markdown]
# ## Effet du rayon `eps` et du modèle nul
# Le modèle nul dit ce que le hasard donnerait : `emprise` (au hasard sur les mailles où il y a des
# signalements) ou `exposition` (selon les adresses officielles : là où les gens vivent). Un rayon trop petit
# coupe un lieu en morceaux ; trop grand, il réunit des coins voisins. Les grappes étirées le long d'une rue
# (`etirements`) deviennent des axes, comme dans l'analyse enregistrée.

# %%
sweep = parameter_sweep(reports, exposure=exposure, now=now, segments=segments)
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
for null, rows in sweep.groupby("modele_nul"):
    left.plot(rows["eps_m"], rows["points"], marker="o", label=f"modèle {null}")
    right.plot(rows["eps_m"], rows["part_des_signalements"] * 100, marker="o", label=f"modèle {null}")
left.set_ylabel("points sensibles")
right.set_ylabel("signalements dans les points (%)")
for ax in (left, right):
    ax.axvline(settings.analysis_eps_m, color="grey", linestyle=":")
    ax.set_xlabel("rayon eps (m)")
    ax.legend()
plt.tight_layout()
plt.show()
sweep

# %% [markdown]
# ## L'action a-t-elle servi ?
# Pour chaque point visité, ses signalements avant et après sa première visite, à côté du reste de la zone (le
# témoin : saison, vacances) ; la même fonction que `hotspots effet`, `GET /api/effet` et le tableau « Actions » du
# bilan d'activité. Le jeu de démonstration contient une action : au coin « historique », le service est passé
# (dépôts enlevés, caméra, procès-verbal) et les dépôts ont cessé deux semaines plus tard. Le détail ensuite pour
# le point où la baisse est la plus nette : ses mois, et l'anneau de 200 m autour (la nuisance s'y est-elle
# déplacée ?).

# %%
effects, measured = [], {}
for pid in points["id"].astype(str):
    try:
        measured[pid] = found = read_effect(conn, pid, zone=settings.timezone, now=now)
    except InvalidValueError as refusal:  # never visited, or too soon / too early to compare
        effects.append({"point": pid, "première visite": "—", "conclusion": refusal.message})
        continue
    m = found.measure
    effects.append(
        {
            "point": pid,
            "première visite": f"{found.action.tz_convert('Europe/Brussels'):%d/%m/%Y}",
            "avant": found.place.before,
            "après": found.place.after,
            "rapport": None if m.ratio is None else round(m.ratio, 2),
            "p": None if m.p_value is None else round(m.p_value, 4),
            "conclusion": "baisse au-delà du hasard" if m.significant and (m.ratio or 1) < 1 else "pas de conclusion",
        }
    )
pd.DataFrame(effects).set_index("point")

# %%
dropped = [e for e in measured.values() if e.measure.significant and (e.measure.ratio or 1) < 1]
if dropped:
    effect = min(dropped, key=lambda e: e.measure.ratio or 1)
else:  # no drop: the top point around a day four months ago
    effect = read_effect(
        conn,
        str(points.iloc[0]["id"]),
        zone=settings.timezone,
        action=now - pd.Timedelta(days=120),
        months=4,
        now=now,
    )
top = effect.site.id
for sentence in effect_sentences(effect, None)[:-1]:
    print(sentence)
months = pd.DataFrame(effect.monthly, columns=["mois", "avant", "apres"]).set_index("mois")
months.plot.bar(stacked=True, color=["#969696", "#d7301f"], figsize=(10, 3), title=f"{top} : signalements par mois")
plt.ylabel("signalements")
plt.tight_layout()
plt.show()
pd.DataFrame(
    {
        "avant": [c.before for c in (effect.place, effect.ring, effect.control)],
        "apres": [c.after for c in (effect.place, effect.ring, effect.control)],
    },
    index=[effect.site.name, "anneau de 200 m", "reste de la zone"],
)
