# the best single cut chosen on the held-out scores themselves (an upper bound for any threshold rule): python oracle.py $TMPDIR/pv_explore/scores_default_smollm2.npy
from common import *
from persona_vectors.benchmark import load_benchmark
convs, y, src = load_benchmark(); y=np.asarray(y); src=np.asarray(src)
for f in sys.argv[1:]:
    s = np.load(f); best = (0, None)
    for t in np.unique(s):
        acc = pd.Series((s >= t) == y).groupby(src).mean()
        if acc.mean() > best[0]: best = (acc.mean(), t, acc.min(), ((s>=t)[y==0]).mean())
    print(f, 'oracle single cut: mean %.3f worst %.3f benign fpr %.3f' % (best[0], best[2], best[3]))
