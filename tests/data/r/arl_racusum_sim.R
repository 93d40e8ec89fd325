# Independent reference ARLs for caresignal.stats.arl.bernoulli_cusum_arl: a plain Monte Carlo
# simulation of the risk-adjusted Bernoulli CUSUM written in base R (no caresignal code).
# Case mix: the phase I cases (date < 730) of the spcadjust cardiac surgery data bundled with
# caresignal, with Steiner et al.'s (2000) published risk model logit p = -3.68 + 0.077 Parsonnet;
# each case's risk is drawn from this sample with replacement and its outcome is an event with
# probability pR/(1 - p + pR) for the true odds ratio R. The chart S = max(0, S + W) with
# W = y log(RA) - log(1 - p + RA p) signals at S >= h. Run from the repository root:
#   Rscript tests/data/r/arl_racusum_sim.R
# Output: tests/data/arl/racusum_simulation_r.csv (ARL, standard error and the call per row).
options(digits = 15)
cases <- read.csv("src/caresignal/data/public/cardiac_surgery.csv")
phase1 <- cases[cases$date < 730, ]
case_mix <- plogis(-3.68 + 0.077 * phase1$Parsonnet)

racusum_sim <- function(risk, RA, h, R, runs) {
  S <- numeric(runs); length <- integer(runs); active <- seq_len(runs); t <- 0L
  while (length(active) > 0) {
    t <- t + 1L
    p <- risk[sample.int(length(risk), length(active), replace = TRUE)]
    y <- runif(length(active)) < p * R / (1 - p + R * p)
    S[active] <- pmax(0, S[active] + y * log(RA) - log(1 - p + RA * p))
    done <- S[active] >= h
    length[active[done]] <- t
    active <- active[!done]
  }
  c(arl = mean(length), se = sd(length) / sqrt(runs))
}

designs <- data.frame(
  case_mix = c("cardiac_phase1", "cardiac_phase1", "cardiac_phase1", "cardiac_phase1", "p=0.05"),
  odds_ratio = c(2, 2, 0.5, 0.5, 2), h = c(4.5, 4.5, 4, 4, 3.5),
  true_odds_ratio = c(1, 2, 1, 0.5, 1), runs = c(20000, 200000, 20000, 200000, 50000),
  seed = c(1, 2, 3, 4, 5))
res <- t(mapply(function(mix, RA, h, R, runs, seed) {
  set.seed(seed)
  racusum_sim(if (mix == "p=0.05") 0.05 else case_mix, RA, h, R, runs)
}, designs$case_mix, designs$odds_ratio, designs$h, designs$true_odds_ratio, designs$runs,
   designs$seed))
designs$arl <- res[, "arl"]
designs$se <- res[, "se"]
designs$r_call <- sprintf("set.seed(%d); racusum_sim(risk=%s, RA=%g, h=%g, R=%g, runs=%d)",
                          designs$seed,
                          ifelse(designs$case_mix == "p=0.05", "0.05",
                                 "plogis(-3.68 + 0.077 * Parsonnet[date < 730])"),
                          designs$odds_ratio, designs$h, designs$true_odds_ratio, designs$runs)
write.csv(designs, "tests/data/arl/racusum_simulation_r.csv", row.names = FALSE)
