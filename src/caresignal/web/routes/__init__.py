"""The web app's routes: each page beside its JSON twin."""
