# Independent reference values for caresignal.stats.riskmodel from base R's glm(), on the
# cardiac surgery data (spcadjust, Steiner et al. 2000, lightly noised). Run from the repository root:
#   Rscript tests/data/r/riskmodel_reference.R
# Outputs go to tests/data/riskmodel/*.csv; each row carries the R call that produced it.
options(digits = 15)
out <- "tests/data/riskmodel"
cs <- read.csv("src/caresignal/data/public/cardiac_surgery.csv")
cs$died_30d <- as.integer(cs$status == 1 & cs$time <= 30)
cs$phase <- ifelse(cs$date < 730, "I", "II")
base <- cs[cs$phase == "I", ]

coef_rows <- function(fit, model, call) {
  s <- summary(fit)$coefficients
  ci <- confint.default(fit, level = 0.95)          # Wald intervals, as statsmodels
  data.frame(model = model, term = rownames(s), estimate = s[, 1], std_error = s[, 2],
             z = s[, 3], p_value = s[, 4], ci_lower = ci[, 1], ci_upper = ci[, 2],
             r_call = call, row.names = NULL)
}
auc <- function(y, p) {
  w <- suppressWarnings(wilcox.test(p[y == 1], p[y == 0], exact = FALSE))$statistic
  unname(w / (sum(y == 1) * sum(y == 0)))
}

# R's default convergence (epsilon = 1e-8 on the deviance) stops the surgeon model one IRLS step
# early, leaving standard errors 3e-4 (relative) from the maximum-likelihood ones; a tight epsilon
# gives the converged fit that statsmodels reaches.
tight <- glm.control(epsilon = 1e-14, maxit = 100)
fit1 <- glm(died_30d ~ Parsonnet, family = binomial, data = base, control = tight)
fit2 <- glm(died_30d ~ Parsonnet + factor(surgeon), family = binomial, data = base, control = tight)
call1 <- "glm(died_30d ~ Parsonnet, family = binomial, data = phase I, control = glm.control(epsilon = 1e-14, maxit = 100))"
call2 <- "glm(died_30d ~ Parsonnet + factor(surgeon), family = binomial, data = phase I, control = glm.control(epsilon = 1e-14, maxit = 100))"
write.csv(rbind(coef_rows(fit1, "parsonnet", call1), coef_rows(fit2, "parsonnet_surgeon", call2)),
          file.path(out, "glm_coefficients.csv"), row.names = FALSE)

summary_rows <- data.frame(
  model = c("parsonnet", "parsonnet_surgeon"),
  n = c(nrow(base), nrow(base)), events = c(sum(base$died_30d), sum(base$died_30d)),
  deviance = c(deviance(fit1), deviance(fit2)),
  c_statistic = c(auc(base$died_30d, fitted(fit1)), auc(base$died_30d, fitted(fit2))),
  r_call = c(paste(call1, "; wilcox.test(p[y==1], p[y==0])$statistic / (n1*n0)"),
             paste(call2, "; wilcox.test(p[y==1], p[y==0])$statistic / (n1*n0)")))
write.csv(summary_rows, file.path(out, "glm_summary.csv"), row.names = FALSE)

# Predicted risks for new cases (surgeon 4 never operates in phase I, so it is left out).
new <- expand.grid(Parsonnet = c(0, 10, 25, 50, 71), surgeon = c(1, 3, 7))
new$risk_parsonnet <- predict(fit1, newdata = new, type = "response")
new$risk_parsonnet_surgeon <- predict(fit2, newdata = new, type = "response")
new$r_call <- "predict(fit, newdata = new, type = 'response')"
write.csv(new, file.path(out, "glm_predictions.csv"), row.names = FALSE)

# Calibration by tenths of predicted risk (Hosmer-Lemeshow groups, ties kept together).
p <- fitted(fit1)
g <- cut(p, breaks = unique(quantile(p, probs = seq(0, 1, 0.1))), include.lowest = TRUE)
cal <- data.frame(n = as.vector(table(g)), observed = as.vector(tapply(base$died_30d, g, sum)),
                  expected = as.vector(tapply(p, g, sum)), mean_risk = as.vector(tapply(p, g, mean)))
cal <- cal[cal$n > 0, ]
cal$r_call <- "g <- cut(p, unique(quantile(p, seq(0, 1, 0.1))), include.lowest = TRUE); table(g); tapply(y, g, sum); tapply(p, g, sum)"
write.csv(cal, file.path(out, "calibration_parsonnet.csv"), row.names = FALSE)
