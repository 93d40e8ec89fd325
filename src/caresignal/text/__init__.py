"""Text of concerns: HCAT themes (:mod:`caresignal.text.themes`)."""
