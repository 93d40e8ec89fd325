# Reference values for caresignal.stats.spc.xmr on real A&E data (tests/stats/test_spc_ae.py).
#
# Monthly 4-hour breaches of type-1 (major) emergency departments, Apr 2016 - Mar 2019, from
# NHSRdatasets::ae_attendances (CC0; contains public sector information licensed under the
# Open Government Licence v3.0). Improvement direction: decrease.
#
# Base R only, written independently of the Python code: limits from mean(x) and
# mean(abs(diff(x))) (screened once: moving ranges >= 3.267 * MR-bar dropped, as
# NHSRplotthedots does), and the Making Data Count rules written as plain loops and rle().
#
# Run from the repository root, with the shared data beside it:
#   Rscript tests/data/r/spc_ae.R ../shared/data/public/NHSRdatasets_ae_attendances.csv
# Writes tests/data/spc/ae_breaches_xmr.csv, one row per trust-month, with the R expression
# behind each column in the "r_call" column of tests/data/spc/ae_breaches_xmr_columns.csv.

args <- commandArgs(trailingOnly = TRUE)
ae <- read.csv(args[1], colClasses = c(type = "character"))
ae <- ae[ae$type == "1", ]
ae <- ae[order(ae$org_code, ae$period), ]

mdc_rules <- function(x, centre, lpl, upl, nlpl, nupl, direction) {
  n <- length(x)
  side <- sign(x - centre)
  outside_hi <- x > upl
  outside_lo <- x < lpl
  trend_hi <- trend_lo <- rep(FALSE, n)
  for (i in seq_len(n)) {
    if (i >= 7) {
      d <- diff(x[(i - 6):i])
      if (all(d > 0)) trend_hi[(i - 6):i] <- TRUE
      if (all(d < 0)) trend_lo[(i - 6):i] <- TRUE
    }
  }
  two_hi <- two_lo <- rep(FALSE, n)
  for (i in seq_len(n)) {
    if (i >= 3) {
      w <- (i - 2):i
      beyond_hi <- x[w] > nupl[w]
      beyond_lo <- x[w] < nlpl[w]
      if (all(side[w] == 1) && sum(beyond_hi) >= 2) two_hi[w[beyond_hi]] <- TRUE
      if (all(side[w] == -1) && sum(beyond_lo) >= 2) two_lo[w[beyond_lo]] <- TRUE
    }
  }
  runs <- rle(side)
  long <- rep(runs$lengths >= 7 & runs$values != 0, runs$lengths)
  shift_hi <- long & side == 1
  shift_lo <- long & side == -1
  rule <- rep(NA_character_, n)
  rule[shift_hi | shift_lo] <- "shift"
  rule[two_hi | two_lo] <- "two_in_three"
  rule[trend_hi | trend_lo] <- "trend"
  rule[outside_hi | outside_lo] <- "outside_limits"
  high <- outside_hi | trend_hi | two_hi | shift_hi
  low <- outside_lo | trend_lo | two_lo | shift_lo
  better <- if (direction == "decrease") low else high
  worse <- if (direction == "decrease") high else low
  type <- ifelse(better, "special_cause_improvement",
                 ifelse(worse, "special_cause_concern", "common_cause"))
  data.frame(rule = rule, point_type = type)
}

xmr_group <- function(x) {
  mr <- abs(diff(x))
  amr_unscreened <- mean(mr)
  amr <- mean(mr[mr < 3.267 * amr_unscreened])
  centre <- mean(x)
  data.frame(
    mean = centre, mr_bar = amr, mr_bar_unscreened = amr_unscreened,
    lpl = centre - 2.66 * amr, upl = centre + 2.66 * amr,
    near_lpl = centre - 2 / 3 * 2.66 * amr, near_upl = centre + 2 / 3 * 2.66 * amr
  )
}

chart <- function(org, rebase_at = integer(0)) {
  d <- ae[ae$org_code == org, ]
  x <- d$breaches
  group <- cumsum(seq_along(x) %in% c(1, rebase_at + 1)) - 1  # rebase_at is 0-based
  parts <- lapply(split(seq_along(x), group), function(i) {
    lines <- xmr_group(x[i])[rep(1, length(i)), ]
    rules <- mdc_rules(x[i], lines$mean, lines$lpl, lines$upl, lines$near_lpl,
                       lines$near_upl, "decrease")
    cbind(data.frame(org_code = org, rebase_at = paste(rebase_at, collapse = ";"),
                     position = i - 1, period = d$period[i], breaches = x[i],
                     group = group[i]), lines, rules)
  })
  do.call(rbind, parts)
}

out <- rbind(
  chart("RJZ"), chart("RL4"), chart("RWF"), chart("R1H"), chart("RRK"),
  chart("RRK", rebase_at = 27L)
)
write.csv(out, "tests/data/spc/ae_breaches_xmr.csv", row.names = FALSE, na = "")

columns <- data.frame(
  column = c("mean", "mr_bar", "mr_bar_unscreened", "lpl", "upl", "near_lpl", "near_upl",
             "rule", "point_type"),
  r_call = c(
    "mean(x) over the limit group",
    "mr <- abs(diff(x)); mean(mr[mr < 3.267 * mean(mr)])",
    "mean(abs(diff(x)))",
    "mean - 2.66 * mr_bar", "mean + 2.66 * mr_bar",
    "mean - 2/3 * 2.66 * mr_bar", "mean + 2/3 * 2.66 * mr_bar",
    "mdc_rules(): loops over 7-point windows (trend), 3-point windows (two in three), rle(sign(x - mean)) (shift); precedence outside_limits > trend > two_in_three > shift",
    "mdc_rules(): improvement if any rule fires on the better side (low, for breaches), else concern"
  )
)
write.csv(columns, "tests/data/spc/ae_breaches_xmr_columns.csv", row.names = FALSE)
