# protocol A with the out-of-the-box method: the MLP at the default layers, fitted on 100 AdvBench + 100 AlpacaEval
# (safety_loso.protocol_a_sets), tested on the benchmark's 16 other sources. python exp4.py smollm2
from common import *
from persona_vectors.monitor import detection_metrics, per_source
name = sys.argv[1]
model, tok, A, extra, y, src, convs = setup(name)
L = model.config.num_hidden_layers; cfg = default_config(); ls = cfg['layers'](L)
pc, py = SL.protocol_a_sets(); T = read_all(model, tok, pc)['last']
other = ~np.isin(src, ['advbench', 'alpaca_eval'])
for rule, kw in {'train (research)': dict(calibration='train'), 'fpr 5%': dict(calibration='fpr', target_fpr=0.05)}.items():
    with threadpool_limits(1):
        d = make_detector(cfg['method'], ls, **kw, **cfg['params']).fit_acts(T, py)
    sc = d.score_acts({l: A['benchmark']['last'][l][torch.as_tensor(other)] for l in ls})
    m, s = detection_metrics(y[other], sc, d.threshold), summarize(per_source(y[other], sc, d.threshold, src[other]))
    print(name, cfg['method'], ls, rule, {k: round(m[k], 3) for k in ('accuracy', 'auroc', 'fpr_benign', 'tpr_harmful')},
          s['worst_source'], round(s['worst_accuracy'], 3), round(s['mean_accuracy'], 3), flush=True)
