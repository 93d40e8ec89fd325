"""Data: the bundled real public datasets (:mod:`caresignal.data.public`)."""
