# R side of `alliances bench observatoire`: times R's survey::calibrate (raking and linear) on
# the benchmark data and writes its weights, for the ratio and the agreement check.
#
# Usage: Rscript bench_survey.R DATA.csv MARGINS_LONG.csv OUT_DIR EPSILON RUNS
#   MARGINS_LONG.csv: variable,category,total (first line: population,,N).
# Prints one line per measure: `load_s <seconds>`, `raking_s <seconds>`, `linear_s <seconds>`
# (median over RUNS), then writes OUT_DIR/weights_r.csv (id,raking,linear).
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data_csv <- args[1]; margins_csv <- args[2]; out <- args[3]
eps <- as.numeric(args[4]); runs <- as.integer(args[5])

t_load <- system.time(
  ech <- read.csv(data_csv, colClasses = c(id = "character", a = "character", b = "character", d = "numeric"))
)[["elapsed"]]
cat(sprintf("load_s %.6f\n", t_load))

m <- read.csv(margins_csv, colClasses = c("character", "character", "numeric"))
N <- m$total[m$variable == "population"]
ma <- m[m$variable == "a", ]; mb <- m[m$variable == "b", ]
ech$a <- factor(ech$a, levels = ma$category)
ech$b <- factor(ech$b, levels = mb$category)
pop <- c(N, ma$total[-1], mb$total[-1])
names(pop) <- c("(Intercept)", paste0("a", ma$category[-1]), paste0("b", mb$category[-1]))
des <- svydesign(ids = ~1, weights = ~d, data = ech)

mesure <- function(calfun) {
  temps <- numeric(runs)
  for (k in seq_len(runs)) {
    temps[k] <- system.time(
      cal <<- calibrate(des, ~a + b, pop, calfun = calfun, epsilon = eps, maxit = 100)
    )[["elapsed"]]
  }
  median(temps)
}
cal <- NULL
cat(sprintf("raking_s %.6f\n", mesure("raking")))
w_raking <- weights(cal)
cat(sprintf("linear_s %.6f\n", mesure("linear")))
w_linear <- weights(cal)
writeLines(c("id,raking,linear", sprintf("%s,%.17g,%.17g", ech$id, w_raking, w_linear)),
           file.path(out, "weights_r.csv"))
