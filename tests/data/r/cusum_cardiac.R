# Independent reference for the risk-adjusted CUSUM per surgeon on the cardiac surgery data, the
# design of Steiner et al. (2000): a logistic model of death within 30 days on the Parsonnet score,
# fitted on phase I (date < 730) and frozen; then, for each surgeon's phase II operations in date
# order, an upper CUSUM for odds ratio 2 with h = 4.5 and a lower CUSUM for odds ratio 1/2 with
# h = 4, both signalling at S >= h and restarting from 0 after each signal. Base R 4.2 only: glm()
# and a plain loop, written independently of caresignal's code. Run from the repository root:
#   Rscript tests/data/r/cusum_cardiac.R
# Output: tests/data/cusum/cardiac_surgeon_cusum.csv, one row per surgeon and chart, with the day
# numbers of the signalling operations, the final statistic, and the call beside each row.
options(digits = 15)
surgery <- read.csv("src/caresignal/data/public/cardiac_surgery.csv")
surgery$died_30d <- as.integer(surgery$status == 1 & surgery$time <= 30)
phase1 <- surgery[surgery$date < 730, ]
phase2 <- surgery[surgery$date >= 730, ]
phase2 <- phase2[order(phase2$date, seq_len(nrow(phase2))), ]  # stable: file order within a day

fit <- glm(died_30d ~ Parsonnet, family = binomial, data = phase1,
           control = glm.control(epsilon = 1e-14, maxit = 100))
phase2$risk <- predict(fit, newdata = phase2, type = "response")

cusum <- function(y, p, odds_ratio, h) {
  w <- y * log(odds_ratio) - log(1 - p + odds_ratio * p)
  s <- 0
  path <- numeric(length(y))
  alarms <- integer(0)
  for (t in seq_along(y)) {
    s <- max(0, s + w[t])
    path[t] <- s
    if (s >= h) {
      alarms <- c(alarms, t)
      s <- 0
    }
  }
  list(path = path, alarms = alarms)
}

rows <- list()
for (surgeon in sort(unique(phase2$surgeon))) {
  cases <- phase2[phase2$surgeon == surgeon, ]
  for (design in list(c(2, 4.5), c(0.5, 4))) {
    chart <- cusum(cases$died_30d, cases$risk, design[1], design[2])
    rows[[length(rows) + 1]] <- data.frame(
      surgeon = surgeon,
      odds_ratio = design[1],
      h = design[2],
      operations = nrow(cases),
      observed = sum(cases$died_30d),
      expected = sum(cases$risk),
      signal_days = paste(cases$date[chart$alarms], collapse = " "),
      max_statistic = max(chart$path),
      final_statistic = chart$path[length(chart$path)],
      r_call = sprintf(
        "cusum(died_30d, predict(glm(died_30d ~ Parsonnet, binomial, phase1), phase2[surgeon == %d], 'response'), odds_ratio = %g, h = %g)",
        surgeon, design[1], design[2])
    )
  }
}
out <- do.call(rbind, rows)
write.csv(out, "tests/data/cusum/cardiac_surgeon_cusum.csv", row.names = FALSE)
cat(sprintf("intercept %.15g slope %.15g\n", coef(fit)[1], coef(fit)[2]))
