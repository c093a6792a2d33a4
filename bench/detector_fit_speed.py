"""Time to fit the out-of-the-box detector (three MLP seeds, threshold from five out-of-source folds: 18 fits) on
activations already read, with its fits side by side in threads (`monitor._in_threads`, the library's way) and one after
another, alternating; both must give the same threshold and weights.

    python bench/detector_fit_speed.py [--model smollm2] [--repeats 2] [--out bench/results/detector_fit_speed.json]
"""
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np, torch
import persona_vectors.monitor as M
from persona_vectors.models import load_model

def fit(A, y, groups, threads:bool):
    "(seconds, fitted detector): the default MLP fitted with its fits in threads or one after another"
    d = M.make_detector(M.DEFAULT_METHOD, list(A), calibration=M.DEFAULT_CALIBRATION, target_fpr=M.DEFAULT_TARGET_FPR, **M.DEFAULT_PARAMS)
    par = M._in_threads
    if not threads: d.parallel_fits, M._in_threads = False, lambda fn, items: [fn(x) for x in items]
    try:
        t = time.perf_counter(); d.fit_acts(A, y, groups); return time.perf_counter() - t, d
    finally: M._in_threads = par

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='smollm2')
    ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).resolve().parent/'results'/'detector_fit_speed.json'))
    a = ap.parse_args()
    model, tok = load_model(a.model)
    rows = M.shipped_training(); convs, y = M.load_labelled(rows)
    A = M.get_activations(model, tok, convs, M.default_config()['layers'](model.config.num_hidden_layers), cache=True)
    y, groups = np.asarray(y), np.asarray(M.labelled_sources(rows))
    t, fitted = {True: [], False: []}, []
    for i in range(a.repeats):
        for threads in (True, False):
            s, d = fit(A, y, groups, threads); t[threads].append(s); fitted.append(d)
            print(f"{'threads' if threads else 'one after another'}: {s:.1f} s, threshold {d.threshold!r}", flush=True)
    ref = fitted[0]
    assert all(d.threshold == ref.threshold and all(torch.equal(d.units[l], ref.units[l]) for l in d.layers) for d in fitted), 'threads changed the fit'
    res = dict(model=a.model, cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), rows=len(y), inputs=sum(v.shape[1] for v in A.values()),
               fits=M.DEFAULT_PARAMS['n_models'] * (ref.folds + 1), threads_s=[round(x, 1) for x in t[True]], one_after_another_s=[round(x, 1) for x in t[False]],
               speedup=round(min(t[False]) / min(t[True]), 2), same_threshold_and_weights=True)
    print(json.dumps(res, indent=1))
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
