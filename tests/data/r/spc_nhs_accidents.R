# p and Laney p' chart limits for qicharts2's nhs_accidents data (20 weeks of proportions with
# denominators near 280,000), in base R, for tests/stats/test_spc.py.
# Run from the repository root: Rscript tests/data/r/spc_nhs_accidents.R
d <- read.csv("tests/data/qicharts2/qicharts2_nhs_accidents.csv")
p <- d$r / d$n
pbar <- sum(d$r) / sum(d$n)                       # centre line
sigma <- sqrt(pbar * (1 - pbar) / d$n)            # binomial sigma_i
z <- (p - pbar) / sigma                           # Laney (2002) z-scores
sigma_z <- mean(abs(diff(z))) / 1.128             # unscreened moving ranges
out <- data.frame(
  i = d$i, p = sprintf("%.17g", p), cl = sprintf("%.17g", pbar),
  lcl_p = sprintf("%.17g", pbar - 3 * sigma), ucl_p = sprintf("%.17g", pbar + 3 * sigma),
  sigma_z = sprintf("%.17g", sigma_z),
  lcl_pprime = sprintf("%.17g", pbar - 3 * sigma * sigma_z),
  ucl_pprime = sprintf("%.17g", pbar + 3 * sigma * sigma_z),
  outside_p = p > pbar + 3 * sigma | p < pbar - 3 * sigma,
  outside_pprime = p > pbar + 3 * sigma * sigma_z | p < pbar - 3 * sigma * sigma_z
)
write.csv(out, "tests/data/spc/nhs_accidents_p_laney.csv", row.names = FALSE, quote = FALSE)
