# Independent reference values for caresignal.stats.arl from Knoth's R package spc (0.6.7):
# average run lengths and thresholds of the normal CUSUM (xcusum.arl, xcusum.crit) and of Lucas's
# integer-scaled Poisson CUSUM (pois.cusum.arl). Run from the repository root:
#   Rscript tests/data/r/arl_spc.R
# Outputs go to tests/data/arl/spc_*.csv; each value has the R call that produced it beside it.
suppressMessages(library(spc))
options(digits = 15)
out <- "tests/data/arl"

# ---- normal CUSUM ARL: one- and two-sided, with and without head start ----------------------
cases <- rbind(
  expand.grid(k = 0.5, h = c(3, 4, 5), mu = c(-0.5, 0, 0.5, 1, 2), hs = 0, sided = "one"),
  expand.grid(k = 0.5, h = 5, mu = c(0, 0.5, 1), hs = 2.5, sided = "one"),
  expand.grid(k = 1, h = 2.5, mu = c(0, 1, 2), hs = c(0, 1.25), sided = c("one", "two")),
  expand.grid(k = 0.5, h = 5, mu = c(0, 0.75), hs = c(0, 2.5), sided = "two"),
  stringsAsFactors = FALSE)
cases$arl <- mapply(function(k, h, mu, hs, s) xcusum.arl(k, h, mu, hs = hs, sided = s),
                    cases$k, cases$h, cases$mu, cases$hs, cases$sided)
cases$r_call <- sprintf('xcusum.arl(k=%g, h=%g, mu=%g, hs=%g, sided="%s")',
                        cases$k, cases$h, cases$mu, cases$hs, cases$sided)
write.csv(cases, file.path(out, "spc_xcusum_arl.csv"), row.names = FALSE)

# ---- normal CUSUM threshold for an in-control ARL --------------------------------------------
crit <- expand.grid(k = c(0.25, 0.5, 1), L0 = c(100, 500, 5000), sided = c("one", "two"),
                    stringsAsFactors = FALSE)
crit$h <- mapply(function(k, L0, s) xcusum.crit(k, L0, sided = s), crit$k, crit$L0, crit$sided)
crit$r_call <- sprintf('xcusum.crit(k=%g, L0=%g, sided="%s")', crit$k, crit$L0, crit$sided)
write.csv(crit, file.path(out, "spc_xcusum_crit.csv"), row.names = FALSE)

# ---- Lucas's Poisson CUSUM: k = km/m, h = hm/m, head start i0/m, signal when S > h ------------
pois <- rbind(
  expand.grid(mu = c(0.25, 0.5, 1), km = 1, hm = 39, m = 4, i0 = c(0, 20), sided = "upper"),
  expand.grid(mu = c(0.25, 0.125, 0.0625), km = 1, hm = 39, m = 4, i0 = c(0, 20), sided = "lower"),
  expand.grid(mu = c(2, 3, 4), km = 5, hm = 14, m = 2, i0 = c(0, 7), sided = "upper"),
  expand.grid(mu = c(2, 1.5, 1), km = 3, hm = 10, m = 2, i0 = c(0, 5), sided = "lower"),
  stringsAsFactors = FALSE)
pois$arl <- mapply(function(mu, km, hm, m, i0, s) pois.cusum.arl(mu, km, hm, m, i0 = i0, sided = s),
                   pois$mu, pois$km, pois$hm, pois$m, pois$i0, pois$sided)
pois$r_call <- sprintf('pois.cusum.arl(mu=%g, km=%g, hm=%g, m=%g, i0=%g, sided="%s")',
                       pois$mu, pois$km, pois$hm, pois$m, pois$i0, pois$sided)
write.csv(pois, file.path(out, "spc_pois_cusum_arl.csv"), row.names = FALSE)
