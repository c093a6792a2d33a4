# how far the default MLP's leave-one-source-out figures move with its seed, with activations nudged by a relative
# `nudge` (what another CPU's arithmetic does to them), and for a mean of `n_models` seeds (`MLPDetector(n_models=...)`).
# python spread.py smollm2 SEED NUDGE N_MODELS, e.g. python spread.py smollm2 1 0 1; writes $TMPDIR/pv_explore/spread_*.json
from common import *
name, seed, nudge, k = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1
model, tok, A, extra, y, src, convs = setup(name)
L = model.config.num_hidden_layers; cfg = default_config()
make = lambda: make_detector(cfg['method'], cfg['layers'](L), cfg['reading'], calibration=cfg['calibration'], target_fpr=cfg['target_fpr'],
                             **{**cfg['params'], 'seed': seed, 'n_models': k})
g = torch.Generator().manual_seed(1)
nudged = lambda d: {l: d[l] * (1 + nudge * torch.randn(d[l].shape, generator=g)) for l in make().layers}
t0 = time.process_time()
tab = run(make, nudged(A['benchmark']['last']), y, src, (nudged(extra[0]), extra[1], extra[2]))
s = summarize(tab)
print(name, f'seed {seed} nudge {nudge} n_models {k}', {key: round(v, 3) if isinstance(v, float) else v for key, v in s.items()}, f'cpu {time.process_time() - t0:.0f}s', flush=True)
(OUT/f'spread_{name}_{seed}_{nudge}_{k}.json').write_text(json.dumps(dict(summary=s, per_source=tab[['source', 'accuracy']].to_dict('records'))))
