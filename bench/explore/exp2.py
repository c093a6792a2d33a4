# other scores on the default's layers and training mix: last token + prompt mean side by side, the prompt mean, the mean of
# per-layer probes' logits, an MLP (alpha 1 and 10). python exp2.py smollm2 mlp both
from common import *
from persona_vectors.monitor import MLPDetector as MLP
name = sys.argv[1]; which = sys.argv[2:]
model, tok, A, extra, y, src, convs = setup(name)
L = model.config.num_hidden_layers; cfg = default_config(); B7 = cfg['layers'](L)
def ex_view(reading): return SL.training_mix(model, tok, reading, ('privacy', 'kinds'))[0]
def both(d_last, d_mean): return {**d_last, **{1000 + l: v for l, v in d_mean.items()}}

class LayerAvg(Detector):
    "mean of per-layer probes' logits"
    method = 'layeravg'
    def __init__(self, layers, reading='last', C=0.1, balance=0.5, **kw): super().__init__(layers, reading, **kw); self.C=C; self.b=balance
    def _params(self): return {}
    def _fit(self, acts, y, groups=None):
        self.ps = [ProbeDetector([l], C=self.C, source_balance=self.b) for l in self.layers]
        for p in self.ps: p._fit(acts, y, groups)
    def _score(self, acts): return np.mean([p._score(acts) for p in self.ps], 0)

FP = dict(calibration='fpr', target_fpr=0.05)
exps = {
 'probe': (lambda: make_detector('probe', B7, C=0.1, source_balance=0.5, **FP), 'last'),
 'both': (lambda: make_detector('probe', B7 + [1000+l for l in B7], C=0.1, source_balance=0.5, **FP), 'both'),
 'mean': (lambda: make_detector('probe', B7, 'mean', C=0.1, source_balance=0.5, **FP), 'mean'),
 'layeravg': (lambda: LayerAvg(B7, **FP), 'last'),
 'layeravg_all': (lambda: LayerAvg(list(range(1, L+1)), **FP), 'last'),
 'mlp': (lambda: MLP(B7, alpha=1.0, **FP), 'last'),
 'mlp_a10': (lambda: MLP(B7, alpha=10.0, **FP), 'last'),
}
for n in which:
    make, r = exps[n]
    if r == 'both': acts, ea = both(A['benchmark']['last'], A['benchmark']['mean']), both(ex_view('last'), ex_view('mean'))
    else: acts, ea = A['benchmark'][r], ex_view(r)
    t0 = time.time(); o, s, _ = loso_scores(make, acts, ea, y, src, extra)
    print(name, n, o, f'{time.time()-t0:.0f}s', flush=True); np.save(OUT/f'scores_{n}_{name}.npy', s)
