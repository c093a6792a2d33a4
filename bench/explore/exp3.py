# probes on the post-instruction readings of post.py (their mean, each position side by side, their mean + the prompt mean).
# python exp3.py smollm2 postmean
from common import *
name = sys.argv[1]; which = sys.argv[2:]
model, tok, A, extra, y, src, convs = setup(name)
P = torch.load(OUT/f'post_{name}.pt')
L = model.config.num_hidden_layers; B7 = default_config()['layers'](L)
def cat3(key, f):
    return {l: torch.cat([f(P[s][l]) for s in ('train', 'privacy', 'kinds')]) for l in key}
FP = dict(calibration='fpr', target_fpr=0.05)
for n in which:
    if n == 'postmean':
        acts = {l: P['benchmark'][l].mean(1) for l in B7}; ea = {l: torch.cat([P[s][l].mean(1) for s in ('train','privacy','kinds')]) for l in B7}
    elif n == 'postcat':
        k = P['benchmark'][B7[0]].shape[1]
        acts = {l*100+j: P['benchmark'][l][:, j] for l in B7 for j in range(k)}
        ea = {l*100+j: torch.cat([P[s][l][:, j] for s in ('train','privacy','kinds')]) for l in B7 for j in range(k)}
    elif n == 'postmean+mean':
        acts = {**{l: P['benchmark'][l].mean(1) for l in B7}, **{1000+l: A['benchmark']['mean'][l] for l in B7}}
        ea = {**{l: torch.cat([P[s][l].mean(1) for s in ('train','privacy','kinds')]) for l in B7},
              **{1000+l: torch.cat([A[s]['mean'][l] for s in ('train','privacy','kinds')]) for l in B7}}
    ls = sorted(acts)
    for C in (0.1,):
        make = lambda: make_detector('probe', ls, C=C, source_balance=0.5, **FP)
        t0 = time.time(); o, s, _ = loso_scores(make, acts, ea, y, src, extra)
        print(name, n, C, o, f'{time.time()-t0:.0f}s', flush=True)
