# the probe that was the default before the MLP (layers 0.4-1.0, C=0.1, sources by 1/sqrt(size)): pooled AUROC of its
# leave-one-source-out scores and its accuracy at several calibration false-alarm rates. python exp1.py smollm2
from common import *
from persona_vectors.monitor import fpr_threshold
from persona_vectors.benchmark import _rows
from sklearn.metrics import roc_auc_score
import sys
name = sys.argv[1]
model, tok, A, extra, y, src, convs = setup(name)
L = model.config.num_hidden_layers; cfg = default_config()
make = lambda: make_detector('probe', cfg['layers'](L), 'last', calibration='fpr', target_fpr=0.05, C=0.1, source_balance=0.5)
ls = make().layers
acts = A['benchmark']['last']
scores = np.zeros(len(y)); cuts = {}
t0=time.time()
with threadpool_limits(1):
  for s in dict.fromkeys(src.tolist()):
    te, tr = src == s, src != s
    Aa = {l: torch.cat([acts[l][torch.as_tensor(tr)], extra[0][l]]) for l in ls}
    d = make().fit_acts(Aa, np.r_[y[tr], extra[1]], np.r_[src[tr], extra[2]])
    scores[te] = d.score_acts({l: acts[l][torch.as_tensor(te)] for l in ls})
    cs, cy = d.calibration_scores
    cuts[s] = {f: fpr_threshold(cs, cy, f) for f in (0.03, 0.05, 0.08, 0.1, 0.15)}
print('time', time.time()-t0)
print('pooled AUROC', roc_auc_score(y, scores))
for f in (0.03, 0.05, 0.08, 0.1, 0.15):
    pred = np.array([scores[i] >= cuts[src[i]][f] for i in range(len(y))])
    acc = pd.Series(pred == y).groupby(src).mean()
    print(f, 'mean', acc.mean().round(3), 'worst', acc.min().round(3), acc.idxmin(), 'benign fpr mean', pd.Series(pred[y==0]).groupby(src[y==0]).mean().round(2).to_dict())
np.save(OUT/f'scores_default_{name}.npy', scores)
