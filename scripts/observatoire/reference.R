# Reference fixtures of the Observatoire's statistical core (crates/calage).
#
# Generates a synthetic survey sample (deterministic: set.seed), its population margins, then
# calibrates it with R's survey package (calibrate: linear, raking, logit with bounds, linear
# with bounds = truncated linear, raking with trimming) and estimates proportions and means with
# svymean / svyby under two conventions:
#   - "fixed": svydesign(ids = ~1, weights = ~w) on the final weights;
#   - "calibrated": the design returned by calibrate (linearisation with the residuals of the
#     calibration model).
# crates/calage/tests/reference_r.rs compares the Rust results to these files to 1e-9 relative.
#
# Usage (from the repository root):
#   Rscript scripts/observatoire/reference.R crates/calage/tests/fixtures
# or scripts/observatoire/check-fixtures (writes them to a temporary folder, runs the Rust
# comparison against that folder and says whether the committed copies are identical).
# Needs: r-base-core r-cran-survey r-cran-mass (Debian).

suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "crates/calage/tests/fixtures"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

set.seed(20261128)
n <- 1500
N <- 250000
regions <- c("11", "24", "27", "28", "32", "44")
tailles <- c("0", "1-9", "10-49", "50+")
profils <- c("association", "collectivite", "entreprise")
zones <- c("periurbain", "rural", "urbain")

region <- sample(regions, n, replace = TRUE, prob = c(0.30, 0.10, 0.12, 0.14, 0.16, 0.18))
taille <- sample(tailles, n, replace = TRUE, prob = c(0.35, 0.35, 0.20, 0.10))
sexe <- sample(c("F", "H"), n, replace = TRUE, prob = c(0.55, 0.45))
profil <- sample(profils, n, replace = TRUE, prob = c(0.5, 0.2, 0.3))
zone <- sample(zones, n, replace = TRUE, prob = c(0.3, 0.3, 0.4))
# Design weights: unequal, depending on the region and the size band, plus noise.
d <- N / n * (1 + 0.4 * (region == "11") - 0.2 * (taille == "50+")) * runif(n, 0.7, 1.3)
d <- round(d, 3)
# Outcomes related to the margins (so that calibration changes the standard errors).
p1 <- plogis(-0.3 + 0.5 * (taille %in% c("10-49", "50+")) + 0.4 * (region == "44") - 0.3 * (sexe == "H"))
y01 <- rbinom(n, 1, p1)
revenu <- round(exp(7 + 0.3 * (taille == "50+") + 0.2 * (profil == "entreprise") + rnorm(n, 0, 0.5)), 2)
revenu[sample(n, 40)] <- NA
opinion <- ifelse(runif(n) < 0.15, "nsp",
  ifelse(runif(n) < 0.45 + 0.1 * (profil == "association"), "pour",
    ifelse(runif(n) < 0.5, "contre", "mitige")))
sexe_profil <- paste(sexe, profil, sep = "|")

ech <- data.frame(
  id = sprintf("r%04d", 1:n), region = region, taille = taille, sexe_profil = sexe_profil,
  zone = zone, profil = profil, d = d, y01 = y01, revenu = revenu, opinion = opinion,
  stringsAsFactors = FALSE
)

# Population margins: shares different from the sample's, totals summing to N exactly.
totaux <- function(parts) {
  t <- round(N * parts / sum(parts))
  t[length(t)] <- N - sum(t[-length(t)])
  t
}
m_region <- setNames(totaux(c(0.24, 0.12, 0.13, 0.15, 0.17, 0.19)), regions)
m_taille <- setNames(totaux(c(0.40, 0.33, 0.18, 0.09)), tailles)
sp <- sort(unique(sexe_profil))
m_sp <- setNames(totaux(c(0.26, 0.10, 0.16, 0.22, 0.09, 0.17)), sp)

fmt <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
w_csv <- function(df, f) {
  for (c in names(df)) if (is.numeric(df[[c]])) df[[c]] <- fmt(df[[c]])
  write.csv(df, file.path(out, f), row.names = FALSE, quote = TRUE, na = "")
}
fmt15 <- function(x) ifelse(is.na(x), "", sprintf("%.15g", x))
ech_csv <- ech; for (c in c("d", "y01", "revenu")) ech_csv[[c]] <- fmt15(ech_csv[[c]])
write.csv(ech_csv, file.path(out, "sample.csv"), row.names = FALSE, quote = TRUE, na = "")

json_marge <- function(m) paste0("{", paste(sprintf("\"%s\": %s", names(m), fmt(m)), collapse = ", "), "}")
writeLines(c(
  "{",
  sprintf("  \"population\": %s,", fmt(N)),
  "  \"margins\": {",
  sprintf("    \"region\": %s,", json_marge(m_region)),
  sprintf("    \"taille\": %s,", json_marge(m_taille)),
  sprintf("    \"sexe_profil\": %s", json_marge(m_sp)),
  "  }",
  "}"
), file.path(out, "margins.json"))

# Calibration. The model matrix of ~region + taille + sexe_profil (treatment contrasts) has an
# intercept and the non-reference categories; the totals follow the same order.
ech$region <- factor(ech$region, levels = regions)
ech$taille <- factor(ech$taille, levels = tailles)
ech$sexe_profil <- factor(ech$sexe_profil, levels = sp)
ech$opinion <- factor(ech$opinion)
pop <- c(`(Intercept)` = N, m_region[-1], m_taille[-1], m_sp[-1])
names(pop) <- c("(Intercept)", paste0("region", regions[-1]), paste0("taille", tailles[-1]),
                paste0("sexe_profil", sp[-1]))
des0 <- svydesign(ids = ~1, weights = ~d, data = ech)
f <- ~region + taille + sexe_profil
eps <- 1e-13
bornes_logit <- c(0.55, 1.6)
bornes_tronq <- c(0.5, 1.6)
trim <- c(0.75, 1.3)
cals <- list(
  linear = calibrate(des0, f, pop, calfun = "linear", epsilon = eps, maxit = 500),
  raking = calibrate(des0, f, pop, calfun = "raking", epsilon = eps, maxit = 500),
  logit = calibrate(des0, f, pop, calfun = "logit", bounds = bornes_logit, epsilon = eps, maxit = 500),
  truncated = calibrate(des0, f, pop, calfun = "linear", bounds = bornes_tronq, epsilon = eps, maxit = 500),
  raking_trim = suppressMessages(calibrate(des0, f, pop, calfun = "raking", epsilon = eps, maxit = 500, trim = trim))
)
poids <- data.frame(id = ech$id)
for (m in names(cals)) poids[[m]] <- weights(cals[[m]])
w_csv(poids, "r_weights.csv")
writeLines(c(
  sprintf("logit_bounds,%s,%s", fmt(bornes_logit[1]), fmt(bornes_logit[2])),
  sprintf("truncated_bounds,%s,%s", fmt(bornes_tronq[1]), fmt(bornes_tronq[2])),
  sprintf("trim,%s,%s", fmt(trim[1]), fmt(trim[2]))
), file.path(out, "r_parameters.csv"))

# Estimates: every method, both conventions, overall and by zone.
lignes <- list()
ajouter <- function(methode, convention, variable, domaine, est, se) {
  se <- as.numeric(se)
  for (j in seq_along(est)) {
    k <- names(est)[j]
    cat_ <- if (startsWith(k, variable) && k != variable) substring(k, nchar(variable) + 1) else ""
    lignes[[length(lignes) + 1]] <<- data.frame(
      methode = methode, convention = convention, variable = variable, domaine = domaine,
      modalite = cat_, estimation = unname(est[j]), se = se[j], stringsAsFactors = FALSE
    )
  }
}
for (m in names(cals)) {
  des_cal <- cals[[m]]
  des_fixe <- svydesign(ids = ~1, weights = as.formula("~w"),
                        data = transform(ech, w = weights(des_cal)))
  for (conv in c("fixed", "calibrated")) {
    des <- if (conv == "fixed") des_fixe else des_cal
    for (v in c("opinion", "y01", "revenu")) {
      fv <- as.formula(paste0("~", v))
      e <- svymean(fv, des, na.rm = TRUE)
      ajouter(m, conv, v, "", coef(e), SE(e))
      b <- svyby(fv, ~zone, des, svymean, na.rm = TRUE)
      cols <- setdiff(names(b), "zone")
      est_cols <- cols[!startsWith(cols, "se")]
      se_cols <- if (length(est_cols) == 1) "se" else paste0("se.", est_cols)
      for (i in seq_len(nrow(b))) {
        zc <- as.character(b$zone[i])
        est <- setNames(as.numeric(b[i, est_cols]), est_cols)
        se <- setNames(as.numeric(b[i, se_cols]), est_cols)
        ajouter(m, conv, v, zc, est, se)
      }
    }
  }
}
w_csv(do.call(rbind, lignes), "r_estimates.csv")
cat("fixtures written to", out, "\n")
for (m in names(cals)) cat(m, "g range", range(weights(cals[[m]]) / ech$d), "\n")
