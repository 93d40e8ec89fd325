"""Synthetic data, part 4: fictional names and codes, and the words of concerns and recommendations.

Every organisation is fictional: codes start with ``Z`` (``ZAB``, ``ZAB01``, ``ZAB01-MAT``) and
places are made up from syllables, so that no synthetic failure is ever read as a real trust's.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONCERN_TEXTS",
    "OWNER_ROLES",
    "RECOMMENDATION_TEXTS",
    "SITE_KINDS",
    "place_names",
    "trust_codes",
]

_STARTS = (
    "Ald", "Brack", "Corr", "Dun", "Esk", "Farr", "Glim", "Hask", "Ivel", "Jarr", "Kest", "Lom",
    "Mard", "Nethe", "Orr", "Pell", "Quen", "Rusk", "Sull", "Tarn", "Ulver", "Vell", "Wend", "Yarl",
)  # fmt: skip
_ENDS = ("ham", "wick", "borough", "combe", "mere", "holt", "stow", "field")

#: How a site's name ends.
SITE_KINDS = ("General Hospital", "Royal Infirmary", "Hospital", "District Hospital")


def trust_codes(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct three-letter codes starting with Z, in a random order."""
    letters = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    codes = [f"Z{first}{second}" for first in letters for second in letters]
    if count > len(codes):
        raise ValueError(f"at most {len(codes)} trusts, not {count}")
    return sorted(rng.choice(codes, size=count, replace=False).tolist())


def place_names(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct fictional place names in a random order."""
    names = [start + end for start in _STARTS for end in _ENDS]
    if count > len(names):
        raise ValueError(f"at most {len(names)} places, not {count}")
    return [str(name) for name in rng.choice(names, size=count, replace=False)]


#: What people wrote, by HCAT category (the same words serve every kind of unit).
CONCERN_TEXTS: dict[str, tuple[str, ...]] = {
    "quality": (
        "The treatment was not what we were told it would be and it took weeks to recover.",
        "Tests were repeated because the first results were lost.",
        "Pain relief was not given when it was asked for.",
    ),
    "safety": (
        "A drug was given at the wrong dose and nobody explained what had happened.",
        "Observations were not done for hours even though the chart said they were due.",
        "They were left on a trolley in the corridor overnight.",
    ),
    "environment": (
        "The bathroom had not been cleaned for days.",
        "The bay was so crowded there was nowhere for a parent to sit.",
        "Equipment was broken and we were told to wait for another ward to lend theirs.",
    ),
    "institutional_processes": (
        "The appointment was cancelled three times without notice.",
        "We waited eleven hours to be seen and nobody told us why.",
        "Discharge was delayed all day waiting for medicines.",
    ),
    "listening": (
        "We told the nurses we were worried they were getting worse and nobody listened.",
        "I said something was wrong and was told I was being anxious.",
        "When we asked for a doctor to come we were told they were busy and to wait.",
    ),
    "communication": (
        "Nobody explained the plan and each person told us something different.",
        "We found out about the diagnosis from a letter before anyone spoke to us.",
        "Staff did not tell us when the operation would be.",
    ),
    "respect_and_patient_rights": (
        "Staff spoke about us in front of us as if we were not there.",
        "Our request for a translator was refused.",
        "There was no privacy during the examination.",
    ),
}

#: What recommendations say, by source.
RECOMMENDATION_TEXTS: dict[str, tuple[str, ...]] = {
    "inspection": (
        "Ensure every child with a sepsis trigger is screened and escalated within one hour.",
        "Ensure wards are staffed with enough registered nurses to meet planned levels.",
        "Ensure wards and equipment are clean and audited every month.",
        "Ensure families can raise concerns and that their concerns are acted on.",
    ),
    "review": (
        "Review the escalation of abnormal fetal heart rate monitoring on the labour ward.",
        "Review how the board receives and acts on outcome data.",
    ),
    "coroners_report": (
        "Take action to prevent future deaths from delayed recognition of deterioration.",
        "Ensure observations are escalated to a senior clinician when a score is raised.",
    ),
    "investigation": (
        "Ensure handover between shifts includes every patient at risk.",
        "Ensure guidelines on induction of labour are followed and audited.",
    ),
    "signal_check": (
        "Complete a case-note review of every death since the signal and report to the board.",
        "Check the data behind the signal and confirm the actions with the safety champion.",
    ),
}

#: Roles that own recommendations.
OWNER_ROLES = (
    "chief_nurse",
    "medical_director",
    "director_of_midwifery",
    "executive_safety_champion",
    "divisional_director",
)
