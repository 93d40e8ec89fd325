# Independent reference paths for caresignal.stats.cusum on the de Leval et al. (1994) arterial
# switch data, from Hoehle's R package surveillance (1.20.3), following its own de Leval example
# (?pairedbinCUSUM). pairedbinCUSUM runs two Bernoulli log-likelihood-ratio CUSUMs on (y, z):
#   chart 1: W = (a1 - a0) y + log(1 + exp(a0)) - log(1 + exp(a1)), i.e. a Bernoulli CUSUM with the
#            fixed risk plogis(a0) and odds ratio exp(a1 - a0);
#   chart 2: the risk of z depends on y: plogis(az0 + b y), odds ratio exp(az1 - az0) (b0 = b1),
#            i.e. a risk-adjusted Bernoulli CUSUM.
# It signals when S > h and then restarts both charts from 0. Run from the repository root:
#   Rscript tests/data/r/cusum_deleval.R
# Output: tests/data/cusum/deleval_surveillance.csv (one row per baby; the calls are listed in the
# file's header lines).
suppressMessages(library(surveillance))
options(digits = 15)
data("deleval")
swapped <- deleval
observed(swapped) <- observed(deleval)[, c(2, 1)]  # as in the example: near miss first, death second
theta0 <- c(-2.3, -4.5, 2.5)
theta1 <- c(-1.7, -2.9, 2.5)

# A. The package example as published: no thresholds (h = Inf), the charts' paths only.
call_a <- "pairedbinCUSUM(swapped, control=list(theta0=c(-2.3,-4.5,2.5), theta1=c(-1.7,-2.9,2.5), h1=Inf, h2=Inf, h11=Inf, h22=Inf))"
a <- pairedbinCUSUM(swapped, control = list(theta0 = theta0, theta1 = theta1,
                                            h1 = Inf, h2 = Inf, h11 = Inf, h22 = Inf))

# B. Deaths against one fixed risk: the marginal death risk of the example's in-control model,
#    odds ratio 2, threshold 2 with restarts (chart 2 carries zero weight: same model in and out).
p_nm <- plogis(theta0[1])
p0 <- p_nm * plogis(theta0[2] + theta0[3]) + (1 - p_nm) * plogis(theta0[2])
call_b <- sprintf("pairedbinCUSUM(deleval, control=list(theta0=c(qlogis(%.15g),-4.5,0), theta1=c(qlogis(%.15g)+log(2),-4.5,0), h1=2, h2=Inf, h11=Inf, h22=Inf))", p0, p0)
b <- pairedbinCUSUM(deleval, control = list(theta0 = c(qlogis(p0), -4.5, 0),
                                            theta1 = c(qlogis(p0) + log(2), -4.5, 0),
                                            h1 = 2, h2 = Inf, h11 = Inf, h22 = Inf))

# C. The example's risk-adjusted death chart with a threshold of 1.5 and restarts.
call_c <- "pairedbinCUSUM(swapped, control=list(theta0=c(-2.3,-4.5,2.5), theta1=c(-1.7,-2.9,2.5), h1=Inf, h2=1.5, h11=Inf, h22=Inf))"
c_ <- pairedbinCUSUM(swapped, control = list(theta0 = theta0, theta1 = theta1,
                                             h1 = Inf, h2 = 1.5, h11 = Inf, h22 = Inf))

paths <- data.frame(
  patient = seq_len(nrow(observed(deleval))),
  death = observed(deleval)[, "death"], nearmiss = observed(deleval)[, "nearmiss"],
  a_nearmiss_S = upperbound(a)[, 1], a_death_S = upperbound(a)[, 2],
  b_death_S = upperbound(b)[, 1], b_death_alarm = as.integer(alarms(b)[, 1]),
  c_death_S = upperbound(c_)[, 2], c_death_alarm = as.integer(alarms(c_)[, 2]))
path <- "tests/data/cusum/deleval_surveillance.csv"
header <- c(
  "# surveillance 1.20.3, data(\"deleval\"); swapped = deleval with columns (nearmiss, death).",
  paste0("# a_*: ", call_a),
  paste0("# b_*: ", call_b, "  (p0 = the example's marginal in-control death risk)"),
  paste0("# c_*: ", call_c),
  "# *_S = upperbound(.)[, chart]; *_alarm = alarms(.)[, chart] (signal at S > h, then restart)")
writeLines(header, path)
suppressWarnings(write.table(paths, path, sep = ",", row.names = FALSE, append = TRUE))
