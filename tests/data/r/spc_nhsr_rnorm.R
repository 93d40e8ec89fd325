# The series behind NHSRplotthedots' own test "it returns expected values"
# (tests/testthat/test-ptd_spc_standard.R): set.seed(123); y = rnorm(20). Its snapshot
# (tests/testthat/_snaps/ptd_spc_standard.md) prints mean 0.142, lpl -3.01, upl 3.29 for every
# point (screen_outliers = TRUE, no rebase, no fixed baseline). We store the 20 values at full
# precision so the Python test can rerun the chart; the expected numbers stay those printed
# in the snapshot (3 significant figures).
#
# Run from the repository root: Rscript tests/data/r/spc_nhsr_rnorm.R
set.seed(123)
y <- rnorm(20)
out <- data.frame(position = 0:19, y = sprintf("%.17g", y),
                  r_call = "set.seed(123); rnorm(20)")
write.csv(out, "tests/data/spc/nhsr_rnorm20.csv", row.names = FALSE, quote = FALSE)
