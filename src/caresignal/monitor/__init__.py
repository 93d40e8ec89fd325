"""Monitoring: which indicators to watch (the catalogue), and the series and scans built on it."""
