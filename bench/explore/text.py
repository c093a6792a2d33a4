# a baseline that never looks at the model: word and character n-gram TF-IDF with a logistic regression, trained on the
# default's mix (the shipped set, both sets of project-written rows, the 17 other sources), threshold at 5% false alarms
# on benign prompts of held-out sources (the same `calibration='fpr'` rule, its folds by source), leave-one-source-out.
# It tells how much of the monitor's accuracy the words alone give. python text.py
import sys, time, numpy as np, pandas as pd
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]; sys.path.insert(0, str(ROOT))
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.metrics import roc_auc_score
from persona_vectors.benchmark import load_benchmark, summarize, per_source
from persona_vectors.monitor import fpr_threshold, _folds, shipped_training, load_labelled

convs, y, src = load_benchmark()
text = lambda cs: [c if isinstance(c, str) else c['prompt'] for c in cs]
X = np.array(text(convs), dtype=object)
mix = [r for r in shipped_training() if r['source'] not in set(src)]   # the default's rows but the benchmark's: `benchmark.always_in_training`'s rows
EX, ey, eg = np.array([r['prompt'] for r in mix], dtype=object), load_labelled(mix)[1], np.array([r['source'] for r in mix])

def model(C):
    return make_pipeline(make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                                    TfidfVectorizer(analyzer='char_wb', ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
                         LogisticRegression(C=C, class_weight='balanced', max_iter=5000))

def fit_cut(Xt, yt, gt, C):
    "the pipeline on all of (Xt, yt) and its 5%-FPR cut from out-of-source folds"
    s = np.empty(len(yt))
    for tr, te in _folds(yt, 5, 0, gt):
        s[te] = model(C).fit(Xt[tr], yt[tr]).decision_function(Xt[te])
    return model(C).fit(Xt, yt), fpr_threshold(s, yt, 0.05)

for C in (1.0, 10.0):
    t0, held, rows = time.time(), np.full(len(y), np.nan), []
    for name in dict.fromkeys(src):
        tr, te = src != name, src == name
        m, cut = fit_cut(np.r_[X[tr], EX], np.r_[y[tr], ey], np.r_[src[tr], eg], C)
        held[te] = sc = m.decision_function(X[te])
        rows.append(per_source(y[te], sc, cut, src[te]))
    tab = pd.concat(rows, ignore_index=True)
    s = summarize(tab)
    print(f'C={C}: worst {s["worst_accuracy"]:.2f} ({s["worst_source"]}) mean {s["mean_accuracy"]:.3f} pooled AUROC {roc_auc_score(y, held):.3f} ({time.time() - t0:.0f}s)')
    print(tab[['source', 'label', 'n', 'accuracy']].round(2).to_string(index=False))
