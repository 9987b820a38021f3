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
# # 3. Planifier une tournée
#
# Les sites candidats et leur valeur (une seule échelle pour les points, les axes, les signalements récents et
# les suivis), une tournée planifiée comme le fait `hotspots plan`, son itinéraire sur la carte, ce qui a été
# laissé de côté et pourquoi, puis le dossier de terrain en cinq fichiers.
#
# Mêmes réglages de connexion que la commande `hotspots` ; jeu de démonstration importé si la base est vide.
# La tournée planifiée ici est enregistrée comme une autre (`hotspots tournees` la liste).

# %%
import tempfile
from dataclasses import replace
from pathlib import Path

import folium
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Patch

from service.analyse.pipeline import street_network
from service.analyse.store import load_address_streets
from service.db import connect
from service.db.vocabulary import load_labels
from service.demo.load import ensure_demo
from service.export import load_sheet_background, write_pack
from service.export.pdf_sheet import team_colour
from service.export.sheet import sheet_from_plan
from service.geocode.apply import batch_geocoder
from service.maps.notebook import geojson_layer, zone_map
from service.plan import Filters, ShiftRequest, parse_duration, plan_shift, store_plan
from service.plan.candidates import CandidateContext, load_candidates
from service.plan.model import KIND_LABELS, Appointment, parse_start_time
from service.settings import load_settings

settings = load_settings()
ensure_demo(settings)
conn = connect(settings, autocommit=True)
labels = load_labels(conn)

# %% [markdown]
# ## Les sites candidats
# Filtres d'une tournée (ici : tous les types, états par défaut). La valeur de chaque site est faite des mêmes
# facteurs que la priorité d'un point sensible ; la raison est écrite en mots.

# %%
filters = Filters()
context = CandidateContext(settings=settings, filters=filters, now=pd.Timestamp.now(tz="UTC"), labels=labels)
candidates, excluded = load_candidates(conn, context)
candidates["type"] = candidates["kind"].map(KIND_LABELS)
print(f"{len(candidates)} sites candidats ; {len(excluded)} écartés avant le calcul (visite récente).")
candidates[["site_id", "type", "label", "value", "service_min", "reason"]].head(15)

# %%
top = candidates.head(25).iloc[::-1]
colours = dict(zip(sorted(KIND_LABELS.values()), plt.get_cmap("tab10").colors, strict=False))
fig, ax = plt.subplots(figsize=(9, 6))
ax.barh(top["site_id"] + " " + top["label"].str.slice(0, 35), top["value"], color=top["type"].map(colours))
ax.set_xlabel("valeur du site (même échelle pour tous les types)")
ax.set_title("Les 25 sites candidats les plus utiles")
ax.legend(handles=[Patch(color=colours[k], label=k) for k in sorted(top["type"].unique())], loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Planifier : quatre heures, deux équipes, en voiture
# Départ et retour au poste (réglage `HOTSPOTS_PLAN_STATION`), début au prochain quart d'heure. PyVRP choisit
# et ordonne les sites ; à côté, la valeur qu'aurait ramassée la méthode naïve (les plus prioritaires d'abord).

# %%
request = ShiftRequest(
    starts_at=parse_start_time(None, settings.timezone),
    budget_minutes=parse_duration("4h"),
    mode="voiture",
    teams=2,
    filters=filters,
    seed=1,
    time_limit_s=1.0,
    created_by="carnet",
)
found = batch_geocoder(conn)
plan = store_plan(conn, plan_shift(conn, settings, request, geocoder=found.geocoder if found is not None else None))
facts = plan.facts


def number(value: float) -> str:
    return f"{float(value):.1f}".replace(".", ",")


print(
    f"Tournée n° {plan.plan_id} : {len(plan.stops)} arrêts, valeur {number(facts['value'])} "
    f"(plan naïf : {number(facts['naive_value'])}) ; équipe la plus chargée : {float(facts['minutes']):.0f} min "
    f"sur {float(facts['budget_minutes']):.0f}."
)
for note in (facts.get("summary") or {}).get("notes", []):
    print("Note :", note)
stops = plan.stops.assign(type=plan.stops["site_kind"].map(KIND_LABELS))
stops["arrivee"] = pd.to_datetime(stops["arrival"]).dt.tz_convert(settings.timezone).dt.strftime("%H:%M")
stops[["ref", "team", "ord", "arrivee", "site_id", "type", "label", "travel_minutes", "service_minutes", "value"]]

# %% [markdown]
# ## L'itinéraire sur la carte
# Une couleur par équipe (celles de la fiche imprimée) ; chaque arrêt porte son numéro d'ordre.

# %%
streets = street_network(addresses=load_address_streets(conn))
fmap = zone_map(settings, streets=streets)
for team, route in plan.routes.groupby("team"):
    colour = team_colour(int(team))
    geojson_layer(route, name=f"Équipe {team} : itinéraire", colour=colour, weight=4).add_to(fmap)
    team_stops = stops[stops["team"] == team]
    geojson_layer(
        team_stops,
        name=f"Équipe {team} : arrêts",
        colour=colour,
        radius=7,
        tooltip={"ref": "Arrêt", "arrivee": "Arrivée", "label": "Lieu", "type": "Type", "why": "Pourquoi"},
    ).add_to(fmap)
folium.LayerControl(collapsed=False).add_to(fmap)
fmap

# %% [markdown]
# ## Ce qui a été laissé de côté
# La durée ne suffit pas à tout voir : les sites les moins utiles pour le temps qu'ils prennent restent, avec
# la raison.

# %%
print(f"{len(plan.dropped)} site(s) laissé(s) de côté.")
plan.dropped.head(10)

# %% [markdown]
# ## Un rendez-vous
# Le gérant d'une entreprise attend l'équipe entre la 2e et la 3e heure, un propriétaire à une heure précise :
# `appointments` (`hotspots plan --rdv "PER-4 entre 10h et 11h"`). La tournée passe à chaque site dans sa plage,
# même si sa valeur ou les filtres l'auraient laissé de côté, et construit le reste autour ; ce que cela coûte en
# valeur se lit à côté de la tournée libre.

# %%
low = plan.dropped.sort_values("value").iloc[0]["site_id"]  # the least useful site: a plain plan leaves it
starts = pd.Timestamp(request.starts_at)
meetings = (
    Appointment(low, (starts + pd.Timedelta(hours=2)).to_pydatetime()),
    Appointment(
        str(plan.stops["site_id"].iloc[-1]),
        (starts + pd.Timedelta(hours=1)).to_pydatetime(),
        (starts + pd.Timedelta(hours=2)).to_pydatetime(),
    ),
)
booked = store_plan(
    conn,
    plan_shift(
        conn,
        settings,
        replace(request, appointments=meetings),
        geocoder=found.geocoder if found is not None else None,
    ),
)
kept = booked.stops[booked.stops["appointment_at"].notna()]
print(
    f"Avec les rendez-vous : valeur {number(booked.facts['value'])} (sans : {number(facts['value'])}) ; "
    f"{len(kept)} rendez-vous tenus."
)
pd.DataFrame(
    {
        "site": kept["site_id"],
        "équipe": kept["team"],
        "rendez-vous": pd.to_datetime(kept["appointment_at"]).dt.tz_convert(settings.timezone).dt.strftime("%H:%M"),
        "jusqu'à": pd.to_datetime(kept["appointment_until"]).dt.tz_convert(settings.timezone).dt.strftime("%H:%M"),
        "arrivée": pd.to_datetime(kept["arrival"]).dt.tz_convert(settings.timezone).dt.strftime("%H:%M"),
    }
)

# %% [markdown]
# ## Le dossier de terrain
# Les mêmes arrêts dans le même ordre dans chaque fichier : la fiche PDF à imprimer, le tableur XLSX que
# l'agent remplit puis réimporte (`hotspots ingest visits`), le CSV pour Excel, le GPX pour le GPS, le GeoJSON
# pour un SIG. Ici dans un dossier temporaire ; `hotspots plan --out DOSSIER` fait de même.

# %%
sheet = sheet_from_plan(plan, labels, zone=settings.timezone, base_url=settings.export_base_url)
folder = Path(tempfile.mkdtemp(prefix="tournee-"))
paths = write_pack(sheet, folder, background=load_sheet_background(conn, settings, sheet))
pd.DataFrame({"fichier": [p.name for p in paths], "octets": [p.stat().st_size for p in paths]})

# %%
csv_path = next(p for p in paths if p.suffix == ".csv")
table = pd.read_csv(csv_path, sep=";", encoding="utf-8-sig", dtype=str)
assert list(table["Arrêt"]) == list(stops["ref"]), "le CSV suit l'ordre des arrêts"
table.head(8)
