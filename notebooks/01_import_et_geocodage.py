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
# # 1. Ce qui est entré : import et qualité du géocodage
#
# Pour chaque source, ce qui est arrivé mois par mois ; ce qui a été refusé et pourquoi ; comment les adresses
# sans coordonnées ont été placées (niveau de correspondance, score) ; la file des adresses à vérifier ; et la
# carte de ce qui n'a pas pu être placé.
#
# Le carnet lit la base du service comme la commande `hotspots` (mêmes variables : `HOTSPOTS_DATA_DIR`,
# `HOTSPOTS_PG_PORT` ou `DATABASE_URL`). Si la base ne contient encore aucun signalement, le jeu de
# démonstration y est d'abord importé (comme `hotspots demo`). Toutes les fonctions viennent du service.

# %%
import folium
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from service.db import connect
from service.demo.load import ensure_demo
from service.geocode.apply import DEFAULT_THRESHOLD, count_open_reviews, open_reviews
from service.geocode.quality import geocoding_results, level_summary, not_placed
from service.ingest.quality import batch_accounts, intake_by_month, rejection_reasons
from service.labels import ROW_LABELS
from service.maps.notebook import geojson_layer, zone_map
from service.settings import load_settings

settings = load_settings()
loaded = ensure_demo(settings)
print("Jeu de démonstration importé." if loaded else "La base contient déjà des données : lues telles quelles.")
conn = connect(settings, autocommit=True)

# %% [markdown]
# ## Les lots importés
# Chaque fichier est un lot ; ses lignes lues se répartissent exactement en insérées, mises à jour, doublons et
# rejetées (la base refuse un lot dont les comptes ne tombent pas juste).

# %%
batches = batch_accounts(conn)
assert (batches.query("etat == 'terminé'").eval("lignes == inserees + mises_a_jour + doublons + rejetees")).all()
batches[["lot", "type", "fichier", "etat", "lignes", "inserees", "mises_a_jour", "doublons", "rejetees", "motif_refus"]]

# %% [markdown]
# ## Par source et par mois

# %%
intake = intake_by_month(conn)
reports = intake[intake["type"] == "signalements"]
by_month = reports.pivot_table(index="mois", columns="source", values="lignes", aggfunc="sum", fill_value=0)
by_month.index = by_month.index.strftime("%m/%Y")  # one bar per month, labelled as people write it
ax = by_month.plot(kind="bar", stacked=True, figsize=(11, 4), width=0.9, rot=90)
ax.set_xlabel("mois d'observation")
ax.set_ylabel("signalements")
ax.set_title("Signalements par source et par mois")
ax.legend(title="source", bbox_to_anchor=(1.01, 1), loc="upper left")
plt.tight_layout()
plt.show()
print(
    f"{int(reports['lignes'].sum())} signalements, dont {int(reports['quasi_doublons'].sum())} quasi-doublons liés "
    "(même catégorie, à moins de 50 m et 48 h d'un signalement d'une autre source)."
)

# %% [markdown]
# ## Ce qui a été refusé, et pourquoi
# Un motif par problème : une ligne qui a trois problèmes compte dans trois motifs. `hotspots rejects LOT` écrit
# ces lignes dans un CSV à corriger et réimporter.

# %%
reasons = rejection_reasons(conn)
reasons

# %%
if len(reasons):
    per_field = reasons.groupby("champ")["lignes"].sum().sort_values()
    ax = per_field.plot(kind="barh", figsize=(8, 0.4 * len(per_field) + 1), color="#b2182b")
    ax.set_xlabel("lignes rejetées")
    ax.set_ylabel("")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Rejets par champ")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## Géocodage : niveaux de correspondance et scores
# Les lignes sans coordonnées sont placées sur le registre officiel des adresses. Sous le seuil de confiance,
# elles vont dans la file de vérification avec un point provisoire (ou sans point, en cas d'échec).

# %%
results = geocoding_results(conn)
level_summary(results)

# %%
fig, ax = plt.subplots(figsize=(9, 3.5))
for status, colour in (("geocode", "#1a9641"), ("a_verifier", "#fdae61"), ("manuel", "#2c7bb6"), ("echec", "#d7191c")):
    scores = results.loc[results["statut"] == status, "score"].dropna()
    if len(scores):
        ax.hist(scores, bins=20, range=(0, 1), alpha=0.7, label=f"{status} ({len(scores)})", color=colour)
ax.axvline(DEFAULT_THRESHOLD, color="black", linestyle="--", label=f"seuil de confiance ({DEFAULT_THRESHOLD})")
ax.set_xlabel("score du géocodeur")
ax.set_ylabel("lignes")
ax.set_title("Scores du géocodage")
ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## La file de vérification
# Les plus anciennes d'abord, avec la raison et les propositions (`hotspots geocode review`, puis
# `accept N --choix K` ou `place N --lon … --lat …`).

# %%
total = count_open_reviews(conn)
queue = pd.DataFrame(open_reviews(conn, limit=15))
print(f"{total} adresse(s) à vérifier.")
if len(queue):
    queue["propositions"] = queue["alternatives"].map(len)
    queue["type"] = queue["target"].map(ROW_LABELS)
    queue = queue[["id", "type", "address", "level", "score", "reason", "propositions"]].rename(
        columns={"id": "n°", "address": "adresse", "level": "niveau", "reason": "motif"}
    )
queue

# %% [markdown]
# ## Carte de ce qui n'a pas pu être placé
# En orange, les points provisoires à confirmer ; les échecs n'ont pas de point et sont listés sous la carte.

# %%
pending = not_placed(results)
placed = pending[pending.geometry.notna()]
fmap = zone_map(settings)
geojson_layer(
    placed,
    name="À vérifier (point provisoire)",
    colour={"a_verifier": "#f46d43", "a_geocoder": "#4575b4"},
    column="statut",
    tooltip={"address": "Adresse lue", "libelle": "Proposé", "niveau": "Niveau", "motif": "Raison"},
).add_to(fmap)
folium.LayerControl(collapsed=False).add_to(fmap)
fmap

# %%
failed = pending[pending.geometry.isna()]
print(f"{len(placed)} point(s) provisoire(s) sur la carte, {len(failed)} échec(s) sans point.")
failed[["type", "id", "source", "address", "commune", "motif"]]
