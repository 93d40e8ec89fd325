# Independent reference values for caresignal.stats.funnel, written in base R from the
# formulas in Spiegelhalter (2005, Stat Med 24:1185, appendix A.1) and DOMAIN.md section 4.2.
# No caresignal or FunnelPlotR code is used. Run from the repository root:
#   Rscript tests/data/r/funnel_reference.R
# Outputs go to tests/data/funnel/*.csv; each value has the R call that produced it beside it.
options(digits = 15)
out <- "tests/data/funnel"
z95 <- qnorm(0.975); z998 <- qnorm(0.999)

# ---- exact Poisson limits for O/E (chi-squared) --------------------------------------------
E <- c(0.5, 1, 2.5, 10, 15, 20, 30, 100, 685.59)
pois <- do.call(rbind, lapply(c(0.95, 0.998), function(level) {
  a <- (1 - level) / 2
  data.frame(expected = E, level = level,
             lower = qchisq(a, 2 * E) / (2 * E),
             upper = qchisq(1 - a, 2 * (E + 1)) / (2 * E),
             r_call = sprintf("qchisq(%g, 2*E)/(2*E); qchisq(%g, 2*(E+1))/(2*E)", a, 1 - a))
}))
write.csv(pois, file.path(out, "exact_poisson_limits.csv"), row.names = FALSE)

# ---- exact binomial limits for r/n with Spiegelhalter's interpolation -----------------------
interp <- function(p, n, theta) {
  r <- qbinom(p, n, theta)
  alpha <- (pbinom(r, n, theta) - p) / (pbinom(r, n, theta) - pbinom(r - 1, n, theta))
  pmin(1, pmax(0, (r - alpha) / n))
}
grid <- expand.grid(n = c(1, 5, 20, 57, 100, 1000, 25000), target = c(0.02, 0.3, 0.9),
                    level = c(0.95, 0.998))
# Limits are kept from crossing the target (n = 1 with target 0.02 would otherwise give upper 0).
grid$lower <- mapply(function(n, t, l) min(t, interp((1 - l) / 2, n, t)), grid$n, grid$target, grid$level)
grid$upper <- mapply(function(n, t, l) max(t, interp((1 + l) / 2, n, t)), grid$n, grid$target, grid$level)
grid$r_call <- "r<-qbinom(p,n,t); a<-(pbinom(r,n,t)-p)/(pbinom(r,n,t)-pbinom(r-1,n,t)); pmin(1,pmax(0,(r-a)/n)), p=(1-level)/2 and (1+level)/2; lower=min(t,.), upper=max(t,.)"
write.csv(grid, file.path(out, "exact_binomial_limits.csv"), row.names = FALSE)

# ---- exact mid-P z-scores -------------------------------------------------------------------
midp <- data.frame(kind = "ratio", numerator = c(0, 3, 10, 25, 60, 1012),
                   denominator = c(4.2, 9.5, 10, 12.3, 40, 685.59), target = 1)
# The smaller tail is inverted, so that extreme counts keep their precision.
lo <- ppois(midp$numerator - 1, midp$denominator) + 0.5 * dpois(midp$numerator, midp$denominator)
up <- ppois(midp$numerator, midp$denominator, lower.tail = FALSE) +
  0.5 * dpois(midp$numerator, midp$denominator)
midp$z <- ifelse(lo < up, qnorm(lo), -qnorm(up))
midp$r_call <- "lo = ppois(O-1, E) + 0.5*dpois(O, E); up = ppois(O, E, lower.tail=FALSE) + 0.5*dpois(O, E); z = if (lo < up) qnorm(lo) else -qnorm(up)"
bin <- data.frame(kind = "proportion", numerator = c(0, 2, 15, 40, 99),
                  denominator = c(20, 50, 60, 100, 100), target = 0.3)
lo <- pbinom(bin$numerator - 1, bin$denominator, 0.3) + 0.5 * dbinom(bin$numerator, bin$denominator, 0.3)
up <- pbinom(bin$numerator, bin$denominator, 0.3, lower.tail = FALSE) +
  0.5 * dbinom(bin$numerator, bin$denominator, 0.3)
bin$z <- ifelse(lo < up, qnorm(lo), -qnorm(up))
bin$r_call <- "lo = pbinom(r-1, n, 0.3) + 0.5*dbinom(r, n, 0.3); up = pbinom(r, n, 0.3, lower.tail=FALSE) + 0.5*dbinom(r, n, 0.3); z = if (lo < up) qnorm(lo) else -qnorm(up)"
write.csv(rbind(midp, bin), file.path(out, "exact_midp_z.csv"), row.names = FALSE)

# ---- over-dispersion: phi, tau2 (DerSimonian-Laird), limits, outliers ------------------------
truncated <- function(z, trim) {              # SHMI: drop ranks in the lowest and top groups
  k <- 1 / trim
  g <- floor(rank(z, ties.method = "average") * k / (length(z) + 1))
  g <= 0 | g >= k - 1
}
dl_tau2 <- function(phi, s) {
  I <- length(s); w <- 1 / s^2
  if (I * phi <= I - 1) 0 else (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w))
}
overdispersion <- function(O, n, scale, trim_method, trim, target) {
  if (scale == "log") { Y <- log(O / n); s <- 1 / sqrt(n); t0 <- log(target); back <- exp }
  if (scale == "sqrt") { Y <- sqrt(O / n); s <- 1 / (2 * sqrt(n)); t0 <- sqrt(target)
                         back <- function(y) pmax(y, 0)^2 }
  if (scale == "asin") { Y <- asin(sqrt(O / n)); s <- 1 / (2 * sqrt(n)); t0 <- asin(sqrt(target))
                         back <- function(y) sin(pmin(pi / 2, pmax(0, y)))^2 }
  z <- (Y - t0) / s
  if (trim_method == "truncate") {
    keep <- !truncated(z, trim); zk <- z[keep]; sk <- s[keep]
  } else {
    q <- quantile(z, c(trim, 1 - trim), type = 7)
    zk <- pmin(pmax(z, q[1]), q[2]); sk <- s
  }
  phi <- mean(zk^2); tau2 <- dl_tau2(phi, sk)
  sd_add <- sqrt(s^2 + tau2); sd_mult <- sqrt(max(phi, 1)) * s
  list(phi = phi, tau2 = tau2, n_kept = length(zk), z = z,
       add95 = cbind(back(t0 - z95 * sd_add), back(t0 + z95 * sd_add)),
       add998 = cbind(back(t0 - z998 * sd_add), back(t0 + z998 * sd_add)),
       mult998 = cbind(back(t0 - z998 * sd_mult), back(t0 + z998 * sd_mult)))
}
outl <- function(value, lim, names) paste(names[value < lim[, 1] | value > lim[, 2]], collapse = ";")

medpar <- read.csv("src/caresignal/data/public/medpar.csv", colClasses = c(provnum = "character"))
medpar$provnum <- formatC(as.integer(medpar$provnum), width = 6, flag = "0")
agg <- aggregate(cbind(los, prds) ~ provnum, data = medpar, FUN = sum)
agg <- agg[order(agg$provnum), ]

ae <- read.csv("src/caresignal/data/public/ae_attendances.csv", colClasses = "character")
ae <- ae[ae$period == "2019-03-01" & ae$type == "1", ]
ae <- ae[order(ae$org_code), ]
ae$attendances <- as.numeric(ae$attendances); ae$breaches <- as.numeric(ae$breaches)

cases <- list(
  list(data = "medpar", method = "SHMI", scale = "log", trim_method = "truncate", O = agg$los,
       n = agg$prds, names = agg$provnum, target = 1),
  list(data = "medpar_E_rounded_2dp", method = "SHMI", scale = "log", trim_method = "truncate",
       O = agg$los, n = round(agg$prds, 2), names = agg$provnum, target = 1),
  list(data = "medpar", method = "CQC", scale = "sqrt", trim_method = "winsorise", O = agg$los,
       n = agg$prds, names = agg$provnum, target = 1),
  list(data = "ae_2019_03_type1", method = "SHMI", scale = "asin", trim_method = "truncate",
       O = ae$breaches, n = ae$attendances, names = ae$org_code,
       target = sum(ae$breaches) / sum(ae$attendances)),
  list(data = "ae_2019_03_type1", method = "CQC", scale = "asin", trim_method = "winsorise",
       O = ae$breaches, n = ae$attendances, names = ae$org_code,
       target = sum(ae$breaches) / sum(ae$attendances)))
summary_rows <- do.call(rbind, lapply(cases, function(cs) {
  r <- overdispersion(cs$O, cs$n, cs$scale, cs$trim_method, 0.1, cs$target)
  v <- cs$O / cs$n
  data.frame(data = cs$data, method = cs$method, trim = 0.1, target = cs$target, phi = r$phi,
             tau2 = r$tau2, n_kept = r$n_kept,
             outliers_additive_95 = outl(v, r$add95, cs$names),
             outliers_additive_998 = outl(v, r$add998, cs$names),
             outliers_multiplicative_998 = outl(v, r$mult998, cs$names),
             r_call = sprintf("overdispersion(O, n, '%s', '%s', 0.1, target) in funnel_reference.R",
                              cs$scale, cs$trim_method))
}))
write.csv(summary_rows, file.path(out, "overdispersion_reference.csv"), row.names = FALSE)

# Per-unit values for medpar (SHMI, E not rounded): z, additive 95 % and 99.8 % limits.
r <- overdispersion(agg$los, agg$prds, "log", "truncate", 0.1, 1)
a <- (1 - 0.998) / 2
units <- data.frame(provnum = agg$provnum, numerator = agg$los, expected = agg$prds, z = r$z,
                    add95_lower = r$add95[, 1], add95_upper = r$add95[, 2],
                    add998_lower = r$add998[, 1], add998_upper = r$add998[, 2],
                    exact998_lower = qchisq(a, 2 * agg$prds) / (2 * agg$prds),
                    exact998_upper = qchisq(1 - a, 2 * (agg$prds + 1)) / (2 * agg$prds),
                    r_call = "z = sqrt(E)*log(O/E); exp(-/+ qnorm(0.975 or 0.999)*sqrt(1/E + tau2)); qchisq as above")
write.csv(units, file.path(out, "medpar_shmi_units.csv"), row.names = FALSE)
