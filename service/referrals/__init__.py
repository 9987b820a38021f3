"""Referral of reports and sites to the zone's Mediation service or to a partner.

Some reports are not street nuisance the police answers: noise between neighbours, a hedge, a shared wall (the
Mediation service), a private plot or a housing case (a partner: the commune, the waste intercommunale, the
regional environment police). Referring them keeps who, when, why and to whom (table and audit log), takes their
reports out of the hotspot counts while the referral is active, and shows them on the map as referred.

- :mod:`service.referrals.store`: refer, confirm a proposal, withdraw, list, and the rules that propose a referral
  on import (:func:`propose_referrals`: proposed, never applied, until a planner confirms);
- :mod:`service.referrals.sheet`: the referral list in the five export formats.
"""

from __future__ import annotations

from service.referrals.store import (
    STATUS_LABELS,
    TARGET_LABELS,
    Decision,
    Target,
    confirm,
    get_referral,
    list_referrals,
    parse_target,
    propose_referrals,
    recipients,
    refer,
    resolve_recipient,
    withdraw,
)

__all__ = [
    "STATUS_LABELS",
    "TARGET_LABELS",
    "Decision",
    "Target",
    "confirm",
    "get_referral",
    "list_referrals",
    "parse_target",
    "propose_referrals",
    "recipients",
    "refer",
    "resolve_recipient",
    "withdraw",
]
