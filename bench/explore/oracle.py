# the best single cut chosen on the held-out scores themselves (an upper bound for any threshold rule): python oracle.py $TMPDIR/pv_explore/scores_default_smollm2.npy
from common import *
convs, y, src = load_benchmark(); y=np.asarray(y); src=np.asarray(src)
for f in sys.argv[1:]:
    print(f, 'oracle single cut: mean %.3f worst %.3f benign fpr %.3f' % best_cut(np.load(f), y, src))
