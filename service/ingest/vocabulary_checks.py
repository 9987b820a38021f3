"""Map a column's values onto a vocabulary (categories, visit outcomes, report statuses) and say why a value is
refused: unknown, with the nearest known one as a hint, or missing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.ingest.checks import Problems
from service.ingest.columns import ColumnMap
from service.ingest.vocabulary import Vocabulary, normalise_value


def map_vocabulary(
    values: pd.Series,
    vocab: Vocabulary,
    cmap: ColumnMap,
    name: str,
    problems: Problems,
    label: str,
    *,
    required: bool,
    header: str | None = None,
    alt: pd.Series | None = None,
    feminine: bool = False,
    not_counted: frozenset[str] = frozenset(),
) -> pd.Series:
    """The codes of ``values`` in ``vocab`` (the mapping file's own spellings first); unknown values, and missing
    ones when ``required``, are problems named ``label``. ``alt``: a second column tried where the first is
    empty; ``header``: the column named in the problems (default: field ``name``'s); ``not_counted``: values
    (as :func:`normalise_value` writes them) that say the record is no nuisance, refused saying so."""
    header = header or cmap.fields.get(name)
    codes = vocab.map(values, cmap.value_maps.get(name))
    if alt is not None:
        alt_codes = vocab.map(alt, cmap.value_maps.get(name))
        codes = codes.fillna(alt_codes)
        values = values.fillna(alt)
    unknown = (values.notna() & codes.isna()).to_numpy(dtype=bool)
    if unknown.any():
        said = _unknown_words(values, unknown, vocab, label, feminine, not_counted)
        problems.add(unknown, label, values, said, column=header)
    if required:
        problems.add(
            values.isna().to_numpy(dtype=bool),
            label,
            values,
            f"{label} {'manquante' if feminine else 'manquant'}",
            column=header,
        )
    return codes


#: Statuses a source gives a report that is no nuisance (cancelled, a repeat, rejected): refused with what to do.
NOT_A_NUISANCE = frozenset(
    {"annule", "annulee", "doublon", "rejete", "rejetee", "supprime", "supprimee", "errone", "erronee", "sans objet",
     "non fonde", "geannuleerd", "dubbel", "afgewezen", "verwijderd"}
)  # fmt: skip


def _unknown_words(
    values: pd.Series, unknown: np.ndarray, vocab: Vocabulary, label: str, feminine: bool, not_counted: frozenset[str]
) -> pd.Series:
    """Why each unknown value is refused, with the nearest known one when there is one (each distinct value looked
    at once): « catégorie inconnue ; la plus proche : « Dépôt clandestin » (depot_clandestin) ; codes valides : … »."""
    said = f"{label} {'inconnue' if feminine else 'inconnu'}"
    words = {}
    for value in pd.unique(values[unknown]):
        if normalise_value(str(value)) in not_counted:
            words[value] = (
                f"{said} : un signalement « {value} » à la source n'est pas une nuisance à compter ; retirez la ligne "
                "du fichier, ou donnez-lui un statut (clos, en_cours, nouveau) dans un fichier de correspondance "
                "(--correspondance) s'il faut le garder"
            )
            continue
        code = vocab.closest(str(value))
        near = (
            f" ; {'la plus proche' if feminine else 'le plus proche'} : « {vocab.labels.get(code, code)} » ({code}), "
            "à écrire ainsi ou à donner dans un fichier de correspondance (--correspondance)"
            if code
            else ""
        )
        words[value] = f"{said}{near} ; codes valides : {vocab.describe()}"
    return values.map(words)
