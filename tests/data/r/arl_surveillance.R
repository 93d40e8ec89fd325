# Independent reference values for caresignal.stats.arl from Hoehle's R package surveillance
# (1.20.3): exact Markov-chain ARLs of the count-scale Poisson and Bernoulli (binomial, n = 1)
# CUSUMs S = max(0, S + y - k), which signal at S >= h (arlCusum: states 0, 1/d, ..., h - 1/d for
# the common denominator d of h and k; FIR.ARL starts at h/2), and the thresholds of findH
# (h rounded to 0.1, k rounded by findK, accepted once the ARL is within rel.tol of ARL0).
# Run from the repository root:
#   Rscript tests/data/r/arl_surveillance.R
# Outputs go to tests/data/arl/surveillance_*.csv; each value has its R call beside it.
suppressMessages(library(surveillance))
options(digits = 15)
out <- "tests/data/arl"

# ---- arlCusum: Poisson and binomial charts on the lattice of h and k -------------------------
# For the Bernoulli rows theta = 2^0.3 - 1 with k = 0.3 is the risk p and reference value of a
# Steiner chart with odds ratio 2: log(1 - p + 2p) / log(2) = 0.3 exactly.
p_lattice <- 2^0.3 - 1
arl <- rbind(
  expand.grid(distr = "poisson", theta = c(1, 1.5, 2.5), k = 1.5, h = c(3, 5.5)),
  expand.grid(distr = "poisson", theta = 4, k = 5.6, h = c(4, 7.2)),
  expand.grid(distr = "binomial", theta = p_lattice, k = 0.3, h = c(2, 4, 6.5)),
  expand.grid(distr = "binomial", theta = c(0.05, 0.1), k = 0.1, h = c(1.5, 3)),
  stringsAsFactors = FALSE)
arl$distr <- as.character(arl$distr)
res <- mapply(function(d, theta, k, h) {
  if (d == "binomial") unlist(arlCusum(h = h, k = k, theta = theta, distr = d, n = 1))
  else unlist(arlCusum(h = h, k = k, theta = theta, distr = d))
}, arl$distr, arl$theta, arl$k, arl$h)
arl$arl <- res["ARL", ]
arl$fir_arl <- res["FIR.ARL", ]
# The head start of FIR.ARL: arlCusum returns res[(M + 1)/2 + 1] with M = h*d - 1 for the common
# denominator d of h and k, and R truncates a fractional index, so the start is floor(h*d/2)/d.
denominator <- mapply(function(h, k) surveillance:::commonDenom(h, k, digits = 1), arl$h, arl$k)
arl$fir_start <- floor(as.integer(arl$h * denominator - 0.5 + 1) / 2) / denominator
arl$r_call <- sprintf('arlCusum(h=%g, k=%g, theta=%.15g, distr="%s"%s)', arl$h, arl$k, arl$theta,
                      arl$distr, ifelse(arl$distr == "binomial", ", n=1", ""))
write.csv(arl, file.path(out, "surveillance_arlcusum.csv"), row.names = FALSE)

# ---- findH: threshold for an in-control ARL, Poisson with k from findK ------------------------
fh <- expand.grid(theta0 = c(0.5, 1, 2, 5), ARL0 = c(100, 500), stringsAsFactors = FALSE)
found <- t(mapply(function(theta0, ARL0) findH(ARL0 = ARL0, theta0 = theta0, s = 1,
                                              distr = "poisson"), fh$theta0, fh$ARL0))
fh <- cbind(fh, found[, c("h", "k", "ARL", "rel.tol")])
fh$r_call <- sprintf('findH(ARL0=%g, theta0=%g, s=1, distr="poisson")', fh$ARL0, fh$theta0)
write.csv(fh, file.path(out, "surveillance_findh.csv"), row.names = FALSE)
