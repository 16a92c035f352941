# limma reference fits for tests/test_limma.py: Rscript tests/limma_reference.R <folder>
# Reads from <folder>: y.tsv (features x runs, NA = missing), design.tsv (runs x coefficients),
# contrasts.tsv and ftest.tsv (coefficients x contrasts), settings.tsv (robust, block or empty),
# and, when it exists, samples.tsv with formula.txt (the design's formula, checked against model.matrix).
# Writes r_<quantity>.tsv: coefficients, stdev_unscaled, t, p of the contrasts; F, df1, df2, p of the F-test;
# the prior and the consensus correlation; model_matrix.tsv when samples.tsv exists.
suppressPackageStartupMessages(library(limma))
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
read <- function(name) as.matrix(read.delim(file.path(folder, name), row.names = 1, check.names = FALSE))
write <- function(x, name) write.table(x, file.path(folder, name), sep = "\t", quote = FALSE, col.names = NA)
y <- read("y.tsv")
design <- read("design.tsv")
contrasts <- read("contrasts.tsv")
ftest <- read("ftest.tsv")
settings <- read.delim(file.path(folder, "settings.tsv"), colClasses = "character")
robust <- settings$robust == "TRUE"
block <- if (nzchar(settings$block)) read.delim(file.path(folder, "block.tsv"), colClasses = "character")$block else NULL
correlation <- 0
if (is.null(block)) {
  fit <- lmFit(y, design)
} else {
  correlation <- duplicateCorrelation(y, design, block = block)$consensus.correlation
  fit <- lmFit(y, design, block = block, correlation = correlation)
}
fit_c <- eBayes(contrasts.fit(fit, contrasts), robust = robust)
write(fit_c$coefficients, "r_coefficients.tsv")
write(fit_c$stdev.unscaled, "r_stdev_unscaled.tsv")
write(fit_c$t, "r_t.tsv")
write(fit_c$p.value, "r_p.tsv")
write(cbind(df_prior = fit_c$df.prior, df_total = fit_c$df.total, s2_prior = fit_c$s2.prior, s2_post = fit_c$s2.post), "r_prior.tsv")
fit_f <- eBayes(contrasts.fit(fit, ftest), robust = robust)
top <- topTableF(fit_f, number = Inf, sort.by = "none")
write(cbind(F = top$F, df1 = ncol(ftest), df2 = fit_f$df.prior + fit_f$df.residual, p = top$P.Value), "r_F.tsv")
write(data.frame(consensus_correlation = correlation), "r_correlation.tsv")
if (file.exists(file.path(folder, "samples.tsv"))) {
  samples <- read.delim(file.path(folder, "samples.tsv"), colClasses = "character", check.names = FALSE)
  levels <- read.delim(file.path(folder, "levels.tsv"), colClasses = "character")
  for (column in names(samples)) {
    declared <- levels$level[levels$column == column]
    samples[[column]] <- if (length(declared)) factor(samples[[column]], levels = declared) else as.numeric(samples[[column]])
  }
  write(model.matrix(as.formula(readLines(file.path(folder, "formula.txt"))), samples), "model_matrix.tsv")
}
