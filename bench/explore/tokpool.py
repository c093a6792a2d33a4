# Does pooling over every prompt token beat the last token? A linear score on each token of the prompt at the default's
# layers, pooled by the last token, the mean, or a smooth maximum (logsumexp, so one alarming span can flag the prompt),
# trained end to end on the prompt's label; leave-one-source-out held-out scores -> pooled AUROC and the best single cut
# (an upper bound for any threshold rule; the default's are 0.957 / 0.891 on SmolLM2, 0.946 / 0.875 on Gemma).
#     python tokpool.py smollm2      (reads every prompt token once, cached in OUT; then 3 poolings x 18 sources)
from common import *
from persona_vectors.extract import encode_for
from persona_vectors.hooks import read_batched
from sklearn.metrics import roc_auc_score
name = sys.argv[1]
torch.set_num_threads(2)

def read_tokens():
    "{set: (list of [n_tokens, layers*hidden] float16, labels, groups)}: every prompt token at the default's layers"
    f = OUT/f'tokens_{name}.pt'
    if f.exists(): return {k: (rows, np.asarray(yy), np.asarray(g)) for k, (rows, yy, g) in torch.load(f).items()}
    model, tok = SL.load(name)
    layers = default_config()['layers'](model.config.num_hidden_layers)
    convs, y, src = load_benchmark()
    sets = {'benchmark': (convs, np.asarray(y), np.asarray(src))}
    tr = always_rows()
    for k, (c, yy, g) in tr.items(): sets[k] = (c, yy, g)
    out = {}
    for k, (cs, yy, g) in sets.items():
        enc = encode_for(tok, cs, 'mean')
        rows = [None] * len(enc)
        def reduce_for(idx, batch):
            return lambda h: h.to(torch.float16)
        t0 = time.time()
        for idx, states in read_batched(model, [e[0] for e in enc], layers, reduce_for, batch_size=16, pad_id=tok.pad_token_id):
            for j, i in enumerate(idx):
                n = enc[i][1]
                rows[i] = torch.cat([states[l][j, :n].cpu() for l in layers], -1)
        out[k] = (rows, yy, g); print(k, len(rows), sum(len(r) for r in rows), 'tokens', f'{time.time()-t0:.0f}s', flush=True)
    torch.save({k: (rows, list(map(int, yy)), list(map(str, g))) for k, (rows, yy, g) in out.items()}, f)   # tensors and lists only: torch.load's safe mode reads it
    return out

def always_rows():
    "the default's training mix as {set: (convs, y, groups)}: shipped set, privacy/stereotype rows, organisation-secret/self-treatment rows"
    from persona_vectors.extract import load_prompts
    out = {}
    rows = [{**r, 'source': 'shipped'} for r in load_prompts(shipped_safety('train'))]
    c, y = load_labelled(rows); out['train'] = (c, np.asarray(y), np.asarray(labelled_sources(rows)))
    for k in ('privacy', 'kinds'):
        rows = load_prompts(shipped_safety(SL.EXTRAS[k]))
        c, y = load_labelled(rows); out[k] = (c, np.asarray(y), np.asarray(labelled_sources(rows)))
    return out

def flat(rows):
    "[all tokens, d] float16, each token's prompt index, each prompt's last-token index"
    X = torch.cat(rows); n = torch.tensor([len(r) for r in rows])
    return X, torch.repeat_interleave(torch.arange(len(rows)), n), torch.cumsum(n, 0) - 1

def pooled(z, seg, last, n, pool):
    "pool per-token logits z into one score per prompt"
    if pool == 'last': return z[last]
    if pool == 'mean': return torch.zeros(n).index_add(0, seg, z) / torch.bincount(seg, minlength=n)
    mx = torch.full((n,), -1e9).scatter_reduce(0, seg, z.detach(), 'amax')     # smooth max (logsumexp), length-corrected
    return mx + torch.log(torch.zeros(n).index_add(0, seg, torch.exp(z - mx[seg])) / torch.bincount(seg, minlength=n))

def fit(X, seg, last, y, pool, wd=1e-3, steps=200, seed=0):
    torch.manual_seed(seed)
    Xf = X.float(); mu, sd = Xf.mean(0), Xf.std(0) + 1e-4; Xf = (Xf - mu) / sd
    w = torch.zeros(X.shape[-1], requires_grad=True); b = torch.zeros((), requires_grad=True)
    yt = torch.as_tensor(y, dtype=torch.float32)
    pw = torch.where(yt == 1, 0.5 / yt.mean(), 0.5 / (1 - yt.mean()))   # classes weighted alike
    opt = torch.optim.Adam([w, b], lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        s = pooled(Xf @ w + b, seg, last, len(y), pool)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(s, yt, reduction='none') * pw).mean() + wd * (w ** 2).sum()
        loss.backward(); opt.step()
    w, b = w.detach(), b.detach()
    def score(X, seg, last, n):
        with torch.no_grad(): return pooled(((X.float() - mu) / sd) @ w + b, seg, last, n, pool).numpy()
    return score

def subset(rows, keep): return [r for r, k in zip(rows, keep) if k]

def template_prefix():
    "number of leading tokens every prompt shares (the chat template's system turn and the user header): the same states in every prompt, and the first is an attention sink whose outsized state would win any maximum"
    from persona_vectors.models import load_model
    _, tok = load_model(name)
    ids = [e[0] for e in encode_for(tok, load_benchmark()[0], 'mean')]
    return next(i for i in range(min(map(len, ids))) if len({x[i] for x in ids}) > 1)

P = template_prefix(); print('shared prefix tokens dropped:', P, flush=True)
D = {k: ([r[P:] for r in rows], yy, g) for k, (rows, yy, g) in read_tokens().items()}
rows, y, src = D['benchmark']
extra = [r for k in ('train', 'privacy', 'kinds') for r in D[k][0]]; ye = np.concatenate([D[k][1] for k in ('train', 'privacy', 'kinds')])
for pool in sys.argv[2:] or ('last', 'mean', 'lse'):
    held, t0 = np.full(len(y), np.nan), time.time()
    for s in dict.fromkeys(src.tolist()):
        te = src == s
        score = fit(*flat(subset(rows, ~te) + extra), np.r_[y[~te], ye], pool)
        Xt, st, lt = flat(subset(rows, te))
        held[te] = score(Xt, st, lt, te.sum())
    m, worst, fa = best_cut(held, y, src)
    print(f'{name} {pool}: pooled AUROC {roc_auc_score(y, held):.3f}; best single cut mean {m:.3f} worst {worst:.3f} benign FPR {fa:.3f} ({time.time()-t0:.0f}s)', flush=True)
    np.save(OUT/f'tokpool_{name}_{pool}.npy', held)
