# the per-kind targets from bench/results/safety_loso.json (no model): false alarms pooled over the sources of
# ordinary instructions, and the mean accuracy on harmless look-alikes, for the default and the probe it replaced.
# python targets.py
import json, pandas as pd
from pathlib import Path
RES = json.loads((Path(__file__).resolve().parents[1]/'results'/'safety_loso.json').read_text())
ORDINARY = ['alpaca_eval', 'mt_bench', 'gsm8k', 'project_instructions']
LOOKALIKES = ['coconot_contrast', 'project_lookalikes', 'project_adversarial_benign']
PROBE = 'layers 0.4-1.0, C=0.1, sources weighted by 1/sqrt(size), with the organisation-secret/self-treatment rows'
for model, r in RES.items():
    for name in ('default', PROBE):
        t = pd.DataFrame(r['candidates'][name]['per_source']).set_index('source')
        o = t.loc[ORDINARY]
        print(model, 'default' if name == 'default' else 'probe before',
              f"ordinary-instruction false alarms pooled {(o.fpr * o.n).sum() / o.n.sum():.3f} ({int(round((o.fpr * o.n).sum()))} of {o.n.sum()}),",
              f"look-alike accuracy mean {t.loc[LOOKALIKES].accuracy.mean():.3f}")
