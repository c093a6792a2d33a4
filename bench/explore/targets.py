# the per-kind targets from bench/results/safety_loso.json (no model): false alarms pooled over the sources of
# ordinary instructions, the mean accuracy on harmless look-alikes, and, where the file keeps each prompt's held-out
# score, the pooled AUROC and the best single cut chosen on those scores themselves (an upper bound for any threshold
# rule), for the default and the probe it replaced.
# python targets.py
import json, sys, numpy as np, pandas as pd
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]; sys.path.insert(0, str(ROOT))
from persona_vectors.benchmark import load_benchmark
from common import best_cut
RES = json.loads((ROOT/'bench'/'results'/'safety_loso.json').read_text())
ORDINARY = ['alpaca_eval', 'mt_bench', 'gsm8k', 'project_instructions']
LOOKALIKES = ['coconot_contrast', 'project_lookalikes', 'project_adversarial_benign']
PROBE = 'layers 0.4-1.0, C=0.1, sources weighted by 1/sqrt(size), with the organisation-secret/self-treatment rows'
_, Y, SRC = load_benchmark(); Y, SRC = np.asarray(Y), np.asarray(SRC)

for model, r in RES.items():
    for name in ('default', PROBE):
        c = r['candidates'][name]
        t = pd.DataFrame(c['per_source']).set_index('source')
        o = t.loc[ORDINARY]
        print(model, 'default' if name == 'default' else 'probe before',
              f"ordinary-instruction false alarms pooled {(o.fpr * o.n).sum() / o.n.sum():.3f} ({int(round((o.fpr * o.n).sum()))} of {o.n.sum()}),",
              f"look-alike accuracy mean {t.loc[LOOKALIKES].accuracy.mean():.3f}", end='')
        if 'held_out_scores' in c:
            m, w, f = best_cut(np.asarray(c['held_out_scores']), Y, SRC)
            print(f", pooled AUROC {c['pooled_auroc']:.3f}, best single cut on the held-out scores: mean {m:.3f} worst {w:.3f} benign false alarms {f:.3f}", end='')
        print()
