# the probe that was the default before the MLP (layers 0.4-1.0, C=0.1, sources by 1/sqrt(size)): pooled AUROC of its
# leave-one-source-out scores, and its accuracy and per-source false alarms at several calibration false-alarm rates.
# python exp1.py smollm2
from common import *
name = sys.argv[1]
model, tok, A, extra, y, src, convs = setup(name)
L = model.config.num_hidden_layers
make = lambda: make_detector('probe', default_config()['layers'](L), 'last', calibration='fpr', target_fpr=0.05, C=0.1, source_balance=0.5)
FPRS = (0.03, 0.05, 0.08, 0.1, 0.15)
t0 = time.time(); out, scores, flags = loso_scores(make, A['benchmark']['last'], extra[0], y, src, extra, FPRS)
print('time', time.time() - t0)
print('pooled AUROC', out['auroc'])
for f in FPRS:
    mean, worst, worst_src, _ = out[f]
    print(f, 'mean', mean, 'worst', worst, worst_src, 'benign fpr mean', pd.Series(flags[f][y == 0]).groupby(src[y == 0]).mean().round(2).to_dict())
np.save(OUT/f'scores_default_{name}.npy', scores)
