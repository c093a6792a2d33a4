"""Leave-one-source-out (LOSO) accuracy of self-monitoring candidates on the safety benchmark, per model, and
protocol A (100 AdvBench + 100 AlpacaEval, the linear detectors with their layer by cross-validation, tested on the
benchmark's 16 other sources).

Each candidate is fitted, for every one of the benchmark's 18 sources in turn, on the shipped training set and the
privacy/stereotype rows (`without privacy/stereotype rows` leaves those out, `with the public rows` adds
bench/data/public_training.jsonl; the default, an MLP since it won here, and the probe it replaced add the
organisation-secret and self-treatment rows too, as `monitor.shipped_training()` does) plus the 17 other sources, each row's source its group (for the
out-of-source calibration folds and, where a probe weights sources, for its weights), its threshold at 5% false alarms on benign prompts of sources its score was not fitted on, and
tested on the held-out source (`benchmark.leave_one_source_out`, as in nbs/19_benchmark_safety). Results are merged
into `--out` (one entry per model and candidate: the summary, the per-source table, and each prompt's held-out score
with their pooled AUROC), so runs can be split.

    python bench/safety_loso.py --models gemma3-270m smollm2                 # every candidate, both models
    python bench/safety_loso.py --models gemma3-270m --candidates default two-vector
    python bench/safety_loso.py --models gemma3-270m smollm2 --protocol-a

Activations are read once per model (every layer, both readings) and kept in `$TMPDIR/pv_benchmark_cache`, the
cache the notebooks 19 and 20 share. Reserved evaluation sets (XSTest, ToxiGen, MaliciousInstruct, HarmBench,
StrongREJECT, Stanford Alpaca's 52k) are used nowhere."""
import argparse, json, os, random, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from threadpoolctl import threadpool_limits
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from persona_vectors.monitor import (make_detector, load_labelled, shipped_safety, ProbeDetector, TwoVectorMonitor,
                                     Detector, LINEAR_DETECTORS, default_layers, default_config, cross_validate_layers, best_layer, detection_metrics)
from persona_vectors.benchmark import load_benchmark, leave_one_source_out, summarize, per_source, always_in_training
from persona_vectors.extract import load_prompts
from persona_vectors.core import data_dir
from persona_vectors.models import load_model
from persona_vectors.sweep import read_all

CACHE = Path(tempfile.gettempdir())/'pv_benchmark_cache'
LABELS = {'smollm2': 'SmolLM2-135M-Instruct', 'gemma3-270m': 'Gemma-3-270m'}
PUBLIC = load_prompts(ROOT/'bench'/'data'/'public_training.jsonl')   # public red-team privacy/discrimination requests, benign advice and task prompts (bench/data/SOURCES.md); not in the default, since they lost here
EXTRAS = {'privacy': 'privacy_stereotypes',   # project-written privacy and stereotype requests, in the default's training mix since they won here
          'public': PUBLIC,
          'public harmful': [r for r in PUBLIC if r['label'] == 'harmful'],
          'public without advice': [r for r in PUBLIC if r['source'] != 'forbidden_questions_advice'],
          'kinds': 'org_secrets_self_treatment'}   # project-written requests for organisations' secrets and risky self-treatment, with benign counterparts: in the default's mix since they won here
FPR5 = dict(calibration='fpr', target_fpr=0.05)

class Ensemble(Detector):
    "The default probe and the two-vector score, each standardised on its training scores, mixed with weight `w` on the two-vector"
    method = 'ensemble'
    def __init__(self, layers, reading='last', C=0.1, w=0.5, **kw):
        super().__init__(layers, reading, **kw); self.C, self.w = C, w
    def _params(self): return dict(C=self.C, w=self.w)
    def _fit(self, acts, y, groups=None):
        self.p = ProbeDetector(self.layers, C=self.C); self.p._fit(acts, y)
        self.t = TwoVectorMonitor(self.layers); self.t._fit(acts, y)
        sp, st = self.p._score(acts), self.t._score(acts)
        self.z = (sp.mean(), sp.std() + 1e-9, st.mean(), st.std() + 1e-9)
    def _score(self, acts):
        a, b, c, d = self.z
        return (1 - self.w) * (self.p._score(acts) - a) / b + self.w * (self.t._score(acts) - c) / d

class ProbeUnweighted(ProbeDetector):
    "The probe without class weighting"
    method, class_weight = 'probe-unweighted', None

def fractions(L, fr): return sorted({min(L, max(1, round(f * L))) for f in fr})

def candidates(L):
    "name: (make, reading, extra training sets of `EXTRAS`); every probe with class weights, 5% false alarms"
    cfg = default_config()
    B5, B7, B3 = fractions(L, (0.6, 0.7, 0.8, 0.9, 1.0)), fractions(L, (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)), fractions(L, (0.8, 0.9, 1.0))
    probe = lambda layers, C, reading='last', balance=0.0: (lambda: make_detector('probe', layers, reading, C=C, source_balance=balance, **FPR5))
    default = lambda: make_detector(cfg['method'], cfg['layers'](L), cfg['reading'], calibration=cfg['calibration'], target_fpr=cfg['target_fpr'], **cfg['params'])
    P = ('privacy',)
    return {
        'default': (default, cfg['reading'], P + ('kinds',)),
        'default, with the public rows': (default, cfg['reading'], P + ('kinds', 'public')),   # only when named (`ONLY_NAMED`)
        'layers 0.4-1.0, C=0.1, sources weighted by 1/sqrt(size), with the organisation-secret/self-treatment rows': (probe(B7, 0.1, balance=0.5), 'last', P + ('kinds',)),   # the default before the MLP
        'layers 0.4-1.0, C=0.03': (probe(B7, 0.03), 'last', P),   # the default before sources were weighted
        'layers 0.4-1.0, C=0.03, sources weighted alike': (probe(B7, 0.03, balance=1.0), 'last', P),
        'layers 0.4-1.0, C=0.03, sources weighted by 1/sqrt(size)': (probe(B7, 0.03, balance=0.5), 'last', P),
        'layers 0.4-1.0, C=0.1, sources weighted by 1/sqrt(size)': (probe(B7, 0.1, balance=0.5), 'last', P),
        'layers 0.4-1.0, C=0.01, sources weighted by 1/sqrt(size)': (probe(B7, 0.01, balance=0.5), 'last', P),
        'layers 0.4-1.0, C=0.03, with the public rows': (probe(B7, 0.03), 'last', P + ('public',)),
        'layers 0.4-1.0, C=0.03, with the public harmful rows': (probe(B7, 0.03), 'last', P + ('public harmful',)),
        'layers 0.4-1.0, C=0.03, with the public rows but the advice questions': (probe(B7, 0.03), 'last', P + ('public without advice',)),
        'layers 0.6-1.0, C=0.1, without privacy/stereotype rows': (probe(B5, 0.1), 'last', ()),   # the default before the privacy/stereotype rows and this comparison
        'layers 0.6-1.0, C=0.1': (probe(B5, 0.1), 'last', P),
        'layers 0.6-1.0, C=0.003': (probe(B5, 0.003), 'last', P),
        'layers 0.6-1.0, C=0.01': (probe(B5, 0.01), 'last', P),
        'layers 0.6-1.0, C=0.03': (probe(B5, 0.03), 'last', P),
        'layers 0.6-1.0, C=0.3': (probe(B5, 0.3), 'last', P),
        'layers 0.4-1.0, C=0.1': (probe(B7, 0.1), 'last', P),
        'layers 0.4-1.0, C=0.01': (probe(B7, 0.01), 'last', P),
        'layers 0.8-1.0, C=0.1': (probe(B3, 0.1), 'last', P),
        'reading mean, layers 0.6-1.0, C=0.1': (probe(B5, 0.1, 'mean'), 'mean', P),
        'reading last+mean, layers 0.6-1.0, C=0.1': (probe(B5 + [1000 + l for l in B5], 0.1), 'both', P),
        'two-vector, layers 0.6-1.0': (lambda: make_detector('two-vector', B5, **FPR5), 'last', P),
        'diff-mean, layers 0.6-1.0': (lambda: make_detector('diff-mean', B5, **FPR5), 'last', P),
        'unweighted classes, layers 0.6-1.0, C=0.1': (lambda: ProbeUnweighted(B5, C=0.1, **FPR5), 'last', P),
        'ensemble probe+two-vector, layers 0.6-1.0': (lambda: Ensemble(B5, C=0.1, w=0.5, **FPR5), 'last', P),
        'ensemble probe+0.25 two-vector, layers 0.6-1.0': (lambda: Ensemble(B5, C=0.1, w=0.25, **FPR5), 'last', P),
    }

EXTRA_ROWS = {k: load_labelled(shipped_safety(v) if isinstance(v, str) else v) for k, v in EXTRAS.items()}   # (convs, y) of each extra set

def load(name):
    "(model, tok) of `name` from the user's model cache, then this script's activation cache for what follows"
    os.environ.pop('PERSONA_VECTORS_CACHE', None)
    model, tok = load_model(name)
    os.environ['PERSONA_VECTORS_CACHE'] = str(CACHE)
    return model, tok

def read_sets(model, tok, extras=()):
    "{set: {reading: {layer: acts}}} of the benchmark, the shipped training set and the `EXTRAS` named (every layer, both readings; cached)"
    sets = {'benchmark': load_benchmark()[0], 'train': load_labelled(shipped_safety('train'))[0], **{k: EXTRA_ROWS[k][0] for k in extras}}
    return {k: read_all(model, tok, c) for k, c in sets.items()}

def training_mix(model, tok, reading, extras=()):
    "(acts, y, groups) always in training: the shipped set (group 'shipped') and the `EXTRAS` named, each row its own source (`benchmark.always_in_training`, activations from the cache)"
    readings = ('last', 'mean') if reading == 'both' else (reading,)
    return always_in_training(lambda c: view(read_all(model, tok, c, readings=readings), reading), [EXTRAS[k] for k in extras])

ONLY_NAMED = {'default, with the public rows'}   # run on SmolLM2 only, where it lost (bench/explore/README.md); not in results/safety_loso.json

def view(S, reading):
    "{layer: acts} of one reading; 'both': last-token layers l and prompt-mean layers 1000 + l"
    return {**S['last'], **{1000 + l: v for l, v in S['mean'].items()}} if reading == 'both' else S[reading]

def protocol_a(A, y, src):
    "100 AdvBench + 100 AlpacaEval (seed 0, as in nbs/20_study_safety), layer by 5-fold CV on them, tested on the 16 other sources"
    rows, other = [], ~np.isin(src, ['advbench', 'alpaca_eval'])
    ytr = A['train200_y']
    rules = {'train (research)': dict(calibration='train'), 'fpr 5%': FPR5, 'sensitive 10%': dict(calibration='sensitive', target_fpr=0.1)}
    for method in LINEAR_DETECTORS:
        l = best_layer(cross_validate_layers(A['train200']['last'], ytr, method, 'last'))
        for rule, kw in rules.items():
            d = make_detector(method, l, **kw).fit_acts(A['train200']['last'], ytr)
            te = {l: A['benchmark']['last'][l][torch.as_tensor(other)]}
            sc = d.score_acts(te)
            m, s = detection_metrics(y[other], sc, d.threshold), summarize(per_source(y[other], sc, d.threshold, src[other]))
            rows.append(dict(method=method, layer=int(l), rule=rule, accuracy=m['accuracy'], auroc=m['auroc'], fpr_benign=m['fpr_benign'],
                             tpr_harmful=m['tpr_harmful'], worst_source=s['worst_source'], worst_accuracy=s['worst_accuracy'], mean_source_accuracy=s['mean_accuracy']))
    return rows

def protocol_a_sets():
    ref = data_dir()/'reference'/'safety'
    sample = lambda xs, n: random.Random(0).sample(list(xs), n)
    adv = [r['prompt'] for r in load_prompts(ref/'advbench_harmful_behaviors.csv')]
    adv = sample(adv, len(adv))
    alp = [r['prompt'] for r in load_prompts(ref/'alpaca_eval_instructions.jsonl')]
    alp = sample(alp, len(alp))
    return load_labelled([(p, 1) for p in adv[:100]] + [(p, 0) for p in alp[:100]])

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--models', nargs='+', default=['smollm2', 'gemma3-270m'])
    ap.add_argument('--candidates', nargs='*', default=None, help='names (see `candidates`); default: all')
    ap.add_argument('--protocol-a', action='store_true')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'safety_loso.json'))
    a = ap.parse_args()
    convs, y, src = load_benchmark()
    out = Path(a.out)
    res = json.loads(out.read_text()) if out.exists() else {}
    for name in a.models:
        label = LABELS.get(name, name)
        model, tok = load(name)
        L = model.config.num_hidden_layers
        C = candidates(L)
        todo = [n for n in C if n not in ONLY_NAMED] if a.candidates is None else a.candidates
        A = {'benchmark': read_all(model, tok, convs)}   # the training mixes are read (from the cache) per candidate by `training_mix`
        r = res.setdefault(label, {'n_layers': L, 'candidates': {}, 'protocol_a': None})
        for n in todo:
            make, reading, added = C[n]
            t0 = time.process_time()
            ea, ey, eg = training_mix(model, tok, reading, added)
            ls = make().layers
            with threadpool_limits(1):
                tab, held = leave_one_source_out(make, {l: view(A['benchmark'], reading)[l] for l in ls}, y, src, extra=({l: ea[l] for l in ls}, ey, eg), scores=True)
            s = summarize(tab)
            r['candidates'][n] = dict(layers=[int(l) for l in ls], reading=reading, cpu_s=round(time.process_time() - t0), summary=s,
                                      per_source=tab[['source', 'label', 'n', 'tpr', 'fpr', 'accuracy']].to_dict('records'),
                                      pooled_auroc=float(roc_auc_score(y, held)), held_out_scores=[round(float(v), 5) for v in held])   # each prompt scored by the fit without its source
            print(label, f'{n:32s}', {k: round(v, 3) if isinstance(v, float) else v for k, v in s.items()}, f'cpu {time.process_time() - t0:.0f}s', flush=True)
            out.write_text(json.dumps(res, indent=1, default=lambda v: None if v != v else v))
        if a.protocol_a:
            pc, py = protocol_a_sets()
            A['train200'], A['train200_y'] = read_all(model, tok, pc), py
            with threadpool_limits(1): r['protocol_a'] = protocol_a(A, y, src)
            print(pd.DataFrame(r['protocol_a']).round(3).to_string(index=False), flush=True)
            out.write_text(json.dumps(res, indent=1, default=lambda v: None if v != v else v))

if __name__ == '__main__':
    main()
