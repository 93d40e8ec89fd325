"""The accountability workflow: scan findings merged into signal episodes, each with an owner
role and a working-day deadline, moved on and closed only by a recorded decision
(docs/accountability.md).

:mod:`.calendar` counts working days; :mod:`.signals` holds the rules (states, transitions,
owners, deadlines, who may close); :mod:`.service` the use cases, each one transaction with its
audit entries.
"""
