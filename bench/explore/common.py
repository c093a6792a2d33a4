"""Shared set-up of the exploratory leave-one-source-out scripts in this folder (run from bench/explore/, e.g.
`python exp2.py smollm2 mlp`): the benchmark's and the default training mix's cached activations (`safety_loso.CACHE`),
and `loso_scores`, which keeps every held-out prompt's score so that pooled AUROC and other false-alarm targets can be
read from one fit per source. What they found is in bench/explore/README.md."""
import os, sys, time, json, numpy as np, pandas as pd, torch, tempfile
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]; sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
import safety_loso as SL
OUT = Path(tempfile.gettempdir())/'pv_explore'   # scores and post-instruction activations of these scripts
OUT.mkdir(exist_ok=True)
from persona_vectors.monitor import make_detector, load_labelled, labelled_sources, shipped_safety, default_config, ProbeDetector, Detector
from persona_vectors.benchmark import load_benchmark, leave_one_source_out, summarize
from persona_vectors.models import load_model
from persona_vectors.sweep import read_all
from threadpoolctl import threadpool_limits

def setup(name):
    "model, tok, {set: activations}, the default's training mix (acts, y, groups), the benchmark's labels, sources and prompts"
    convs, y, src = load_benchmark()
    model, tok = SL.load(name)
    A = SL.read_sets(model, tok, ('privacy', 'kinds'))
    return model, tok, A, SL.training_mix(model, tok, 'last', ('privacy', 'kinds')), np.asarray(y), np.asarray(src), convs

def run(make, acts, y, src, extra, rules=None):
    ls = make().layers
    with threadpool_limits(1):
        tab = leave_one_source_out(make, {l: acts[l] for l in ls}, y, src, extra=({l: extra[0][l] for l in ls}, extra[1], extra[2]), rules=rules)
    return tab

from persona_vectors.monitor import fpr_threshold
from sklearn.metrics import roc_auc_score
def loso_scores(make, acts, extra_acts, y, src, extra, fprs=(0.05, 0.08)):
    "(summary, held-out scores, {fpr: flags}): `leave_one_source_out` with its held-out scores and a cut at each calibration fpr"
    ls = make().layers
    rules = {f: (lambda f: lambda s, yy: fpr_threshold(s, yy, f))(f) for f in fprs}
    with threadpool_limits(1):
        tab, scores = leave_one_source_out(make, {l: acts[l] for l in ls}, y, src, extra=({l: extra_acts[l] for l in ls}, extra[1], extra[2]),
                                           rules=rules, scores=True)
    cut = {f: tab[tab.rule == f].set_index('source').threshold for f in fprs}
    out, flags = {'auroc': round(roc_auc_score(y, scores), 4)}, {}
    for f in fprs:
        c = cut[f].reindex(src).to_numpy()
        assert not np.isnan(c).any(), f'no cut at {f} for some source: the detector must calibrate on held-out scores'
        flags[f] = scores >= c
        acc = pd.Series(flags[f] == y).groupby(src).mean()
        out[f] = (round(acc.mean(), 3), round(acc.min(), 3), acc.idxmin(), round(flags[f][y==0].mean(), 3))
    return out, scores, flags

def best_cut(s, y, src):
    "(mean over sources, worst source, benign false-alarm rate) of the single cut on scores `s` with the best mean accuracy over sources: an upper bound for any threshold rule"
    acc = lambda t: pd.Series((s >= t) == y).groupby(src).mean()
    t = max(np.unique(s), key=lambda t: acc(t).mean())
    return acc(t).mean(), acc(t).min(), (s >= t)[y == 0].mean()
