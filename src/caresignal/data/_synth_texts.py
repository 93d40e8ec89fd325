"""Synthetic data, part 4: fictional names and codes, and the words of concerns and recommendations.

Every organisation is fictional: codes start with ``Z`` (``ZAB``, ``ZAB01``, ``ZAB01-MAT``) and
places are made up from syllables, so that no synthetic failure is ever read as a real trust's.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONCERN_CLOSINGS",
    "CONCERN_CORES",
    "CONCERN_DETAILS",
    "CONCERN_OPENINGS",
    "CONCERN_VAGUE",
    "CONCERN_WHEN",
    "CONCERN_WHO",
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


#: The main thing each person wrote about, by HCAT category. ``{who}`` is the patient as the
#: writer names them ("my son"), ``{Who}`` the same at the start of a sentence, ``{when}`` a time.
CONCERN_CORES: dict[str, tuple[str, ...]] = {
    "quality": (
        "The treatment was not what we were told it would be and it took weeks to recover.",
        "Pain relief was not given when it was asked for.",
        "{Who} was left in a soiled bed for hours {when}.",
        "Nobody helped {who} to eat and the trays were taken away untouched.",
        "The basic nursing care {who} received was poor.",
        "{Who} was not washed for three days.",
        "We pressed the call bell and waited forty minutes for anyone to come.",
        "The dressing on the wound was not changed as it should have been.",
        "{Who} developed a pressure sore on the ward.",
        "The doctor barely examined {who} before saying everything was fine.",
    ),
    "safety": (
        "A drug was given at the wrong dose and nobody explained what had happened.",
        "Observations were not done for hours even though the chart said they were due.",
        "{Who} was given a medicine listed as an allergy on the wristband.",
        "The signs of sepsis were missed until {who} was very unwell.",
        "{Who} fell {when} trying to get to the toilet and nobody was watching.",
        "A fracture on the x-ray was not spotted for a week.",
        "The cannula site became infected.",
        "{Who} was misdiagnosed and sent home, then came back by ambulance.",
        "The insulin was given twice because the chart had not been signed.",
        "{Who} was getting worse {when} and nobody escalated it to a doctor.",
    ),
    "environment": (
        "The bathroom had not been cleaned for days.",
        "The bay was so crowded there was nowhere for a parent to sit.",
        "Equipment was broken and we were told to wait for another ward to lend theirs.",
        "The ward was short staffed, with one nurse for far too many patients.",
        "The toilets were filthy and there was no soap.",
        "It was so noisy at night that nobody could sleep.",
        "{Who} spent the night on a trolley in the corridor.",
        "The food was cold every day.",
        "The car park was full and we missed the appointment driving round it.",
        "There were not enough nurses on the ward {when}.",
    ),
    "institutional_processes": (
        "The appointment was cancelled three times without notice.",
        "We waited eleven hours to be seen and nobody told us why.",
        "Discharge was delayed all day waiting for medicines.",
        "The referral was lost and we had to start again.",
        "We have been on the waiting list for over a year.",
        "I phoned the ward twenty times and nobody answered.",
        "The operation was postponed on the day, after {who} had fasted since midnight.",
        "Patient transport did not turn up, so the appointment was missed.",
        "The follow-up appointment was never booked.",
        "My last complaint took eight months to get a response.",
    ),
    "listening": (
        "We told the nurses we were worried {who} was getting worse and nobody listened.",
        "I said something was wrong and was told I was being anxious.",
        "When we asked for a doctor to come we were told they were busy and to wait.",
        "We raised our concerns again and again and nothing was done.",
        "I know {who} and I kept telling them this was not normal, but they did not listen.",
        "Our worries were brushed off by the staff.",
        "They did not take us seriously until {who} collapsed.",
        "I begged them to call a doctor {when}. Nobody would listen.",
        "I was made to feel like I was making a fuss about nothing.",
        "Every time we raised it we were ignored.",
    ),
    "communication": (
        "Nobody explained the plan and each person told us something different.",
        "We found out about the diagnosis from a letter before anyone spoke to us.",
        "Staff did not tell us when the operation would be.",
        "We were kept in the dark about why {who} was being moved.",
        "Nobody updated us for hours while {who} was in theatre.",
        "The nurses and the doctors gave us conflicting information.",
        "I left messages for the consultant and nobody called back.",
        "Nobody told us that {who} had been moved to another ward.",
        "The doctor used words we did not understand and did not explain them.",
        "We still do not know what happened {when}. Nobody has explained it.",
    ),
    "respect_and_patient_rights": (
        "Staff spoke about us in front of us as if we were not there.",
        "Our request for a translator was refused.",
        "There was no privacy during the examination.",
        "The nurse was rude to {who} and shouted.",
        "{Who} was examined without anyone asking for consent.",
        "The receptionist had a terrible attitude.",
        "{Who} was treated like a child and not spoken to with any dignity.",
        "Staff were chatting on their phones and laughed at us.",
        "The curtain was left open while {who} was undressed.",
        "There was no compassion at all from the staff.",
    ),
}

#: A sentence that says more about the main thing, by category.
CONCERN_DETAILS: dict[str, tuple[str, ...]] = {
    "quality": (
        "It was not the care anyone would want for their family.",
        "It meant hours in pain.",
        "We had to do the basic care ourselves.",
    ),
    "safety": (
        "It could have been much worse and I want to know it will not happen to anyone else.",
        "It ended with a course of antibiotics.",
        "Nobody has told us whether this was reported as an incident.",
    ),
    "environment": (
        "It did not feel like a place where anyone could get better.",
        "The staff were run off their feet.",
        "It was the same every day we visited.",
    ),
    "institutional_processes": (
        "Each time we had to take another day off work.",
        "Nobody seemed to know who was responsible for sorting it out.",
        "We are still waiting for a new date.",
    ),
    "listening": (
        "We could see something was wrong, and we said so.",
        "By the time a doctor came, {who} was much worse.",
        "It felt as if our views did not matter.",
    ),
    "communication": (
        "We had to chase for every bit of information.",
        "It would have helped so much if someone had just told us what was happening.",
        "We were given three different answers by three different people.",
    ),
    "respect_and_patient_rights": (
        "It was humiliating.",
        "It was as if we were a nuisance.",
        "Nobody should be spoken to like that.",
    ),
}

#: What some people write first: who they are and what the concern is about.
CONCERN_OPENINGS = (
    "I am writing about {who}'s stay on the ward.",
    "I want to raise a concern about the care {who} received.",
    "This is the second time I have had to write.",
    "I do not usually complain, but I feel I have to.",
    "We were with {who} {when}.",
    "I am a member of staff and I am worried.",
    "I hope this reaches the right person.",
)

#: How some people end, by tone.
CONCERN_CLOSINGS = {
    "angry": (
        "This is a disgrace.",
        "I am furious and I want answers.",
        "It is completely unacceptable and I expect a proper response.",
        "How can this still happen in a hospital?",
        "I will be taking this further.",
    ),
    "calm": (
        "I would like someone to look into this.",
        "I hope lessons can be learned.",
        "Please could someone contact me to talk it through.",
        "I would just like to understand what happened.",
    ),
}

#: Whole texts that say little: still coded by the person who read them, hard to theme.
CONCERN_VAGUE = (
    "Not happy with how things went.",
    "I just do not think it was right.",
    "Very disappointed with the whole experience.",
    "Something needs to change on that ward.",
    "I would like to talk to someone about what happened.",
)

#: The patient, as the writer names them, and when it happened.
CONCERN_WHO = (
    "my son", "my daughter", "my mother", "my father", "my wife", "my husband", "my baby",
    "my grandmother", "my grandad", "my partner", "my sister", "my brother",
)  # fmt: skip
CONCERN_WHEN = (
    "last night", "over the weekend", "in the night", "on Tuesday", "all afternoon",
    "on the day of the operation", "during the night shift", "that morning",
)  # fmt: skip

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
