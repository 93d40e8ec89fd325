"""Pure statistical functions: array-likes in, frozen result dataclasses out.

Modules:

* :mod:`caresignal.stats.spc`: Making Data Count XmR charts, p/u/c charts (and Laney p′/u′),
  run charts.
* :mod:`caresignal.stats.funnel`: funnel plots with exact limits and over-dispersion.
* :mod:`caresignal.stats.cusum`: Bernoulli (risk-adjusted or not) and Poisson CUSUMs, VLAD.
* :mod:`caresignal.stats.arl`: average run lengths and thresholds by Markov chain or simulation.
* :mod:`caresignal.stats.riskmodel`: logistic risk models fitted on a baseline and frozen.
* :mod:`caresignal.stats.design`: a unit's case mix as a histogram, and the CUSUM thresholds
  meeting several ARL targets from one search.

Nothing here imports the rest of the project (see docs/DESIGN.md: the statistics stay pure).
"""
