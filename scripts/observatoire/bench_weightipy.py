"""Python side of `alliances bench observatoire`: times weightipy's raking on the benchmark data.

Usage: python bench_weightipy.py DATA.csv MARGINS.json OUT_DIR RUNS
Prints `load_s <seconds>` (pandas.read_csv) and `raking_s <seconds>` (median over RUNS of
weightipy.weight_dataframe with its default settings), then writes OUT_DIR/weights_weightipy.csv
(id,weight). weightipy starts from unit weights (it has no design-weight input) and its targets
are percentages; its weights average 1.
"""

import json
import statistics
import sys
import time

import pandas as pd
import weightipy as wp


def main() -> None:
    data_csv, margins_json, out, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    t0 = time.perf_counter()
    df = pd.read_csv(data_csv, dtype={"id": str, "a": str, "b": str, "d": float})
    print(f"load_s {time.perf_counter() - t0:.6f}", flush=True)
    with open(margins_json, encoding="utf-8") as f:
        marges = json.load(f)
    population = marges["population"]
    cibles = {
        variable: {categorie: 100.0 * total / population for categorie, total in totaux.items()}
        for variable, totaux in marges["margins"].items()
    }
    scheme = wp.scheme_from_dict(cibles)
    temps = []
    resultat = None
    for _ in range(runs):
        t0 = time.perf_counter()
        resultat = wp.weight_dataframe(df[["id", "a", "b"]], scheme)
        temps.append(time.perf_counter() - t0)
    print(f"raking_s {statistics.median(temps):.6f}", flush=True)
    resultat[["id", "weights"]].to_csv(f"{out}/weights_weightipy.csv", index=False)


if __name__ == "__main__":
    main()
