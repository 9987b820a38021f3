"""Reports linked to a permitted facility: at the distance threshold, by category, without referred reports; the
follow-up of a permit (expiry, conditions, repeated complaints) on small files of known geometry."""

from __future__ import annotations

import pandas as pd
import pytest

from service.db.vocabulary import load_labels
from service.permits.candidates import due_permits, followup_sheet
from service.permits.links import (
    ConcernRule,
    complaint_trend,
    concerned_categories,
    load_permits,
    load_rules,
    permit_links,
    trend_of,
)
from service.referrals import Target, refer
from tests.helpers import NOW, ingest, write

#: A point of Seraing centre (Lambert 72, whole metres: the offsets below are exact).
X0, Y0 = 231_000.0, 146_000.0

PERMITS = (
    "Référence;Type de permis;Classe;Exploitant;Activité;Adresse;Code postal;Commune;Date décision;Fin validité;"
    "Conditions;X Lambert 72;Y Lambert 72\n"
    "PE/2007/0100;Permis d'environnement;2;Carrosserie Dupont SRL;Carrosserie;Rue du Pairay 10;4100;Seraing;"
    f"16/03/2007;15/03/2027;Cabine de peinture avec filtres;{X0};{Y0}\n"
    "PE/2020/0200;Permis d'environnement;3;Menuiserie Lambert SRL;Menuiserie;Rue Cockerill 5;4100;Seraing;"
    f"01/06/2020;31/05/2030;Déclaration de classe 3 : conditions intégrales;{X0 + 2000};{Y0}\n"
)


def _reports(rows: list[tuple[str, str, float, float]]) -> str:
    lines = ["N° dossier;Date signalement;Catégorie;Description;X Lambert 72;Y Lambert 72"]
    lines += [f"{ref};{when};{cat};essai;{x};{y}" for ref, when, cat, x, y in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture()
def facility(conn, settings, tmp_path):
    ingest(conn, settings, write(tmp_path / "permis.csv", PERMITS), kind="permits")
    rows = [
        ("T-1", "02/11/2026 10:00", "odeurs", X0 + 99.9, Y0),  # inside
        ("T-2", "03/11/2026 10:00", "Mauvaises odeurs", X0 + 100.0, Y0),  # exactly at the threshold: linked
        ("T-3", "04/11/2026 10:00", "odeurs", X0 + 100.1, Y0),  # 10 cm too far
        ("T-4", "05/11/2026 10:00", "graffiti", X0 + 10.0, Y0),  # near, but not a category of a body shop
        ("T-5", "06/11/2026 10:00", "Exploitation sans permis", X0, Y0 + 50.0),  # every permit concerns it
        ("T-6", "07/11/2026 10:00", "bruit", X0 - 60.0, Y0 - 80.0),  # 100 m exactly (3-4-5), a body shop's noise
        ("T-7", "12/05/2026 09:00", "odeurs", X0, Y0 - 20.0),  # earlier in the year
    ]
    ingest(conn, settings, write(tmp_path / "signalements.csv", _reports(rows)))
    conn.commit()
    return dict(conn.execute("SELECT external_id, id FROM reports").fetchall())


def _linked(conn, settings) -> dict[str, set[str]]:
    permits = load_permits(conn)
    links = permit_links(conn, settings, permits, until=NOW)
    refs = dict(zip(permits["id"], permits["reference"], strict=True))
    external = dict(conn.execute("SELECT id, external_id FROM reports").fetchall())
    out: dict[str, set[str]] = {r: set() for r in refs.values()}
    for permit_id, report_id in zip(links["permit_id"], links["report_id"], strict=True):
        out[refs[permit_id]].add(external[report_id])
    return out


def test_reports_link_up_to_the_threshold_and_by_category(conn, settings, facility):
    assert _linked(conn, settings) == {"PE/2007/0100": {"T-1", "T-2", "T-5", "T-6", "T-7"}, "PE/2020/0200": set()}
    # the threshold is a setting: at 150 m the report 10 cm too far links too
    wider = settings.model_copy(update={"permit_link_m": 150.0})
    assert _linked(conn, wider)["PE/2007/0100"] == {"T-1", "T-2", "T-3", "T-5", "T-6", "T-7"}
    # the distance is the facility's, in metres (Lambert 72)
    permits = load_permits(conn)
    links = permit_links(conn, settings, permits, until=NOW)
    distance = dict(zip(links["report_id"], links["distance_m"], strict=True))
    assert distance[facility["T-2"]] == pytest.approx(100.0, abs=1e-6)
    assert distance[facility["T-6"]] == pytest.approx(100.0, abs=1e-6)


def test_a_referred_report_no_longer_links(conn, settings, facility):
    refer(
        conn, settings, Target("signalement", str(facility["T-1"])), "mediation", "différend de voisinage", actor="test"
    )
    conn.commit()
    assert _linked(conn, settings)["PE/2007/0100"] == {"T-2", "T-5", "T-6", "T-7"}


def test_categories_a_permit_concerns():
    rules = [
        ConcernRule("carrosserie", None, ("odeurs", "bruit")),
        ConcernRule("tri", None, ("depot_clandestin",)),
        ConcernRule(None, "environnement", ("pollution_eau",)),
        ConcernRule(None, None, ("activite_sans_permis",)),
    ]
    assert concerned_categories("Carrosserie et peinture", "environnement", rules) == [
        "odeurs",
        "bruit",
        "activite_sans_permis",
    ]
    # a keyword starts a word: "tri" is not found inside "industrielle"
    assert concerned_categories("Peinture industrielle", "environnement", rules) == [
        "pollution_eau",
        "activite_sans_permis",
    ]
    assert concerned_categories("Centre de TRI", "unique", rules) == ["depot_clandestin", "activite_sans_permis"]
    assert concerned_categories(None, "urbanisme", rules) == ["activite_sans_permis"]


def test_the_shipped_rules_link_the_demo_activities(conn):
    rules = load_rules(conn)
    assert "depot_clandestin" in concerned_categories("Dépôt de mitraille", "environnement", rules)
    assert "odeurs" in concerned_categories("Carrosserie", "environnement", rules)
    assert "bruit" in concerned_categories("Concassage de gravats", "unique", rules)
    assert "depot_clandestin" in concerned_categories("Construction d'un hangar de stockage", "urbanisme", rules)


def test_complaint_trend_in_words():
    """A rise or a fall is said when chance would rarely split the complaints so (exact binomial, 5 %): 8 against
    1 is a rise; 4 against 1, or 7 against 3, is not — it is said to be within chance."""
    now = pd.Timestamp("2026-11-20", tz="UTC")
    rising = [now - pd.Timedelta(days=d) for d in (5, 10, 20, 30, 40, 60, 80, 100, 250)]
    trend = complaint_trend(rising, now)
    assert trend.code == "hausse" and trend.words == "en hausse (8 ces 6 derniers mois, 1 les 6 mois d'avant)"
    assert trend.p_value == pytest.approx(10 / 512)  # P(8 or 9 of 9 in the last half) under a constant rate
    weak = complaint_trend([now - pd.Timedelta(days=d) for d in (5, 20, 40, 60, 250)], now)
    assert weak.code == "stable" and weak.analysis_code == "persistant"
    assert (
        weak.words
        == "sans tendance nette (4 ces 6 derniers mois, 1 les 6 mois d'avant : un écart que le hasard explique)"
    )
    assert (
        trend_of(7, 3).code == "stable"
        and trend_of(3, 3).words == "stable (3 ces 6 derniers mois, 3 les 6 mois d'avant)"
    )
    falling = [now - pd.Timedelta(days=d) for d in (200, 210, 220, 230, 240, 250, 260, 270)]
    assert complaint_trend(falling, now).code == "baisse"
    assert complaint_trend([], now).words == "aucune plainte ces 12 derniers mois"
    assert complaint_trend([now - pd.Timedelta(days=400)], now).code == "aucun"


def test_a_clear_rise_is_forecast_by_the_last_half_year():
    """A facility's complaints next quarter: those of the year per quarter, unless the trend is a clear rise or
    drop, when the last half-year's rate forecasts (10 in the last 6 months and none before: about 5 a quarter, not
    2,5). A split that chance explains keeps the year's mean."""
    from service.permits.followup import expected_complaints

    half = 6 * 30.44
    assert expected_complaints(10, trend_of(10, 0), 365) == pytest.approx(10 * 91 / half)
    assert expected_complaints(8, trend_of(0, 8), 365) == 0.0
    assert expected_complaints(10, trend_of(6, 4), 365) == pytest.approx(10 * 91 / 365)
    assert expected_complaints(0, trend_of(0, 0), 365) == 0.0


def test_a_trend_is_judged_against_the_same_categories_elsewhere_in_the_zone():
    """A facility's 9 complaints of the last half against 1 before: a rise at an even split, but not where the rest
    of the zone's complaints of the same kind doubled too (a season, a campaign: not the facility's own doing),
    and the words say the zone's split. Its own complaints are left out of the zone's (a facility that is all its
    category's reports is not compared with itself); a category the zone seldom sees stays near the split of the
    days; the expected share weighs each category by the facility's complaints."""
    from service.permits.links import ZoneHalves

    now = pd.Timestamp("2026-11-20", tz="UTC")
    dates = [now - pd.Timedelta(days=d) for d in (5, 10, 20, 30, 40, 60, 80, 100, 150, 250)]
    kinds = ["odeurs"] * len(dates)
    assert complaint_trend(dates, now).p_value == pytest.approx(11 / 1024)  # 9 or 10 of 10 at an even split
    doubled = ZoneHalves(recent={"odeurs": 209, "bruit": 5}, before={"odeurs": 101, "bruit": 5})
    trend = complaint_trend(dates, now, categories=kinds, zone=doubled)
    assert trend.share == pytest.approx((200 + 10) / (300 + 20))  # its own 9 and 1 left out, 20 reports toward 1/2
    assert trend.code == "stable" and trend.p_value > 0.05
    assert trend.words == (
        "sans tendance nette (9 ces 6 derniers mois, 1 les 6 mois d'avant ; ailleurs dans la zone, 66 % des "
        "plaintes de même catégorie sont de ces 6 derniers mois : un écart que le hasard explique)"
    )
    alone = ZoneHalves(recent={"odeurs": 9}, before={"odeurs": 1})  # the facility is all the zone's « odeurs »
    assert complaint_trend(dates, now, categories=kinds, zone=alone).share == 0.5
    assert complaint_trend(dates, now, categories=kinds, zone=alone).code == "hausse"
    mixed = ZoneHalves(recent={"odeurs": 208, "bruit": 0}, before={"odeurs": 103, "bruit": 100}, days_share=0.5)
    share = mixed.share({"odeurs": 2, "bruit": 0}, {"odeurs": 0, "bruit": 2})
    assert share == pytest.approx((2 * (206 + 10) / (309 + 20) + 2 * 10 / (98 + 20)) / 4)
    assert ZoneHalves(recent={}, before={}, days_share=0.52).share({}, {}) == 0.52


def test_follow_up_says_why_each_permit_is_due(conn, settings, facility):
    labels = load_labels(conn)
    permits, assessed = due_permits(conn, settings, pd.Timestamp(NOW), labels)
    by_ref = dict(zip(permits["reference"], assessed.to_dict("records"), strict=True))
    shop = by_ref["PE/2007/0100"]
    assert shop["due"] and shop["motives"] == ["expiration", "conditions", "plaintes"]
    assert shop["reasons"][0] == "expire le 15/03/2027 (dans 4 mois) : renouvellement demandé ?"
    assert "conditions à contrôler (« Cabine de peinture avec filtres ») : jamais contrôlées" in shop["reasons"][1]
    assert shop["reasons"][2].startswith("5 plaintes liées en 12 mois, sans tendance nette (4 ces 6 derniers mois")
    # a value on the planner's scale: the product of its named factors, with those of its own
    product = 1.0
    for factor in shop["components"].values():
        product *= factor
    assert shop["value"] == pytest.approx(product, rel=0.01)
    assert shop["components"]["echeance"] == 1.5 and shop["components"]["conditions"] == 1.3
    # a class 3 declaration carries the standard conditions only, expires in 2030, draws no complaint: not due
    assert not by_ref["PE/2020/0200"]["due"]
    # with a horizon of 3 months, the body shop's expiry (4 months away) is no longer a motive
    short = settings.model_copy(update={"permit_expiry_months": 3})
    _p, later = due_permits(conn, short, pd.Timestamp(NOW), labels)
    assert "expiration" not in later.iloc[0]["motives"]


def test_follow_up_list_is_a_sheet_of_permit_checks(conn, settings, facility):
    sheet = followup_sheet(conn, settings, now=NOW, base_url="http://carte.test")
    assert sheet.file_stem == "suivi_permis" and sheet.title == "Suivi des permis"
    rows = sheet.rows.to_dict("records")
    assert [r["Site"] for r in rows] == [f"PER-{int(load_permits(conn).iloc[0]['id'])}"]
    assert rows[0]["Type"] == "Contrôle de permis" and rows[0]["Sur place (min)"] == 30.0
    assert rows[0]["Pourquoi"].startswith("Permis d'environnement, classe 2 — Carrosserie ; expire le 15/03/2027")
    assert "échéance 1,5" in rows[0]["Calcul de la priorité"]
