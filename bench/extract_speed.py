"""How fast persona_vectors reads activations, and whether it reads the same numbers as the naive loop and the peers.

CPU mode (default): SmolLM2-135M-Instruct, 100 harmful (AdvBench) + 100 benign (AlpacaEval) prompts from the repository's
data, chat-templated, read at the last prompt token at one middle layer; every method in ONE process on the same
model object:

  naive                       one prompt at a time, full model, all hidden states (`extract.naive_activations`)
  steering-vectors bs=16      `train_steering_vector(batch_size=16)` (pairs harmful[i], benign[i]), the tokenizer
                              padding on its own side as its users load it (SmolLM2's: right)
  steering-vectors bs=1       the same with batch_size=1, the reference for agreement
  repeng                      `ControlVector.train` (PCA of paired differences, a different estimator: only the
                              |cosine| of its direction is shown)
  ours                        `extract.extract_contrastive` (length-sorted batches that stop after the layer)

Every method yields a harmful-minus-benign vector at the layer; the table gives seconds (wall and this process's CPU
time, which is steadier on a busy machine), speedup over naive, and the cosine of each vector with naive's and ours.
The peers need transformers<5 and numpy<2, so they run in their own env (bench/README.md); in the project env they
are skipped and only naive and ours run.

    ../peers-venv/bin/python bench/extract_speed.py             # all methods (peers env)
    python bench/extract_speed.py                                  # naive and ours (project env)

GPU mode (--gpu): random weights in Qwen2.5-1.5B's shape (hard-coded config, no hub), 10,000 conversations built from
the repository's shipped data (prompts x system prompts), tokenized with SmolLM2's tokenizer; ours against the naive
loop, bfloat16 on CUDA. `--smoke` shrinks the model and the prompt count so the same code runs on a CPU in seconds.

    python bench/extract_speed.py --gpu [--n 10000] [--batch-size 64,256] [--tokenizer DIR]
    python bench/extract_speed.py --gpu --smoke

Results go to bench/results/extract_speed{,_gpu}.json (or --out).
"""
import argparse, json, platform, sys
from pathlib import Path

import torch, transformers
from bench_common import (ROOT, shared_data, load_bench_model, load_tokenizer, smollm2_dir, QWEN25_15B, SMOKE, conversations,
                          smollm2_tokenizer, random_model, timed)
from persona_vectors.models import format_prompt, model_name
from persona_vectors.hooks import n_layers
from persona_vectors.extract import get_activations, naive_activations, extract_contrastive, load_prompts

def cos(a, b)->float: return torch.nn.functional.cosine_similarity(a.double().flatten(), b.double().flatten(), dim=0).item()

def table(rows:list[dict], naive_key:str='naive')->str:
    "A markdown table of the rows, with speedups over the naive row"
    base = next(r for r in rows if r['method'] == naive_key)
    out = ['| method | wall s | CPU s | speedup (wall) | speedup (CPU) | cosine with naive | cosine with ours |',
           '|---|---|---|---|---|---|---|']
    f = lambda x: '' if x is None else f'{x:.8f}'
    for r in rows:
        out.append(f"| {r['method']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {base['wall_s']/r['wall_s']:.2f}x | "
                   f"{base['cpu_s']/r['cpu_s']:.2f}x | {f(r.get('cos_naive'))} | {f(r.get('cos_ours'))} |")
    return '\n'.join(out)

# ---------------------------------------------------------------------------------------------------------------- CPU

def peers():
    "The peer libraries, or None when this env lacks them"
    try:
        import steering_vectors, repeng
        return steering_vectors, repeng
    except ImportError as e:
        print(f'peers skipped ({e}); run from the peers env to include them (bench/README.md)')
        return None

def cpu_mode(a):
    if a.threads: torch.set_num_threads(a.threads)
    data = shared_data(a.data)
    harmful = [r['prompt'] for r in load_prompts(data/'safety'/'advbench_harmful_behaviors.csv')[:a.n]]
    benign = [r['prompt'] for r in load_prompts(data/'safety'/'alpaca_eval_instructions.jsonl')[:a.n]]
    model, tok = load_bench_model()
    L = a.layer or n_layers(model) // 2
    texts_h, texts_b = [format_prompt(tok, p) for p in harmful], [format_prompt(tok, p) for p in benign]
    # the peers tokenize the formatted text themselves (with special tokens): check that they see our token ids
    same_ids = all(tok(t).input_ids == tok(t, add_special_tokens=False).input_ids for t in texts_h[:5])
    print(f'{model_name(model)}: {n_layers(model)} blocks, layer {L}; {len(harmful)}+{len(benign)} prompts; '
          f'torch {torch.__version__}, transformers {transformers.__version__}, {torch.get_num_threads()} threads; '
          f'peers see our token ids: {same_ids}', flush=True)
    get_activations(model, tok, harmful[:4], L)  # warm up

    rows, vecs = [], {}
    def record(method, fn, note=''):
        v, w, c = timed(fn)
        vecs[method] = v
        rows.append(dict(method=method, wall_s=round(w, 3), cpu_s=round(c, 3), note=note))
        print(f'{method}: {w:.2f}s wall, {c:.2f}s CPU', flush=True)

    def naive():
        acts = naive_activations(model, tok, harmful + benign, L)[L]
        return acts[:len(harmful)].mean(0) - acts[len(harmful):].mean(0)
    record('naive', naive, 'one prompt at a time, full model, output_hidden_states')
    pr = peers()
    if pr:
        from steering_vectors import train_steering_vector
        from repeng import ControlVector, DatasetEntry
        pairs = list(zip(texts_h, texts_b))
        def sv(bs, side):
            def run():
                old, tok.padding_side = tok.padding_side, side
                try: return train_steering_vector(model, tok, pairs, layers=[L-1], read_token_index=-1,
                                                  batch_size=bs).layer_activations[L-1].float()
                finally: tok.padding_side = old
            return run
        # steering-vectors gets the tokenizer as its users load it (SmolLM2's pads on the right; it moves
        # read_token_index=-1 to each prompt's last real token itself)
        native = load_tokenizer(smollm2_dir()).padding_side
        record('steering-vectors bs=16', sv(16, native), f'train_steering_vector(batch_size=16), padding side {native!r} as loaded')
        record('steering-vectors bs=1', sv(1, native), 'train_steering_vector(batch_size=1)')
        def rp():
            old, tok.padding_side = tok.padding_side, native
            try: cv = ControlVector.train(model, tok, [DatasetEntry(p, n) for p, n in pairs], hidden_layers=[L-1], batch_size=16)
            finally: tok.padding_side = old
            return torch.from_numpy(cv.directions[L-1]).float()
        record('repeng', rp, 'ControlVector.train (pca_diff), batch_size=16; a unit PCA direction')
    def ours():
        c = extract_contrastive(model, tok, harmful, benign, layers=[L], reading='last', batch_size=a.batch_size, cache=False)
        return c.diff[L]
    record('ours', ours, f'extract_contrastive(batch_size={a.batch_size})')
    for r in rows:  # repeng's PCA direction has an arbitrary length and its own sign convention: compare |cosine|
        sim = (lambda x, y: abs(cos(x, y))) if r['method'] == 'repeng' else cos
        r['cos_naive'], r['cos_ours'] = sim(vecs[r['method']], vecs['naive']), sim(vecs[r['method']], vecs['ours'])
    checks = {'ours >= 2x naive (CPU time)': rows[0]['cpu_s'] / rows[-1]['cpu_s'] >= 2,
              'cos(ours, naive) > 0.9999': cos(vecs['ours'], vecs['naive']) > 0.9999}
    if pr: checks['cos(ours, steering-vectors bs=1) > 0.999'] = cos(vecs['ours'], vecs['steering-vectors bs=1']) > 0.999
    return dict(mode='cpu', model=model_name(model), layer=L, n_harmful=len(harmful), n_benign=len(benign),
                batch_size=a.batch_size, rows=rows, checks=checks)

# ---------------------------------------------------------------------------------------------------------------- GPU

# Qwen2.5-1.5B's shape (its config.json), written out so no hub is needed; the weights are random
def gpu_mode(a):
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if a.threads: torch.set_num_threads(a.threads)
    dtype = torch.bfloat16 if device == 'cuda' else torch.float32
    cfg, n = (SMOKE, a.n or 32) if a.smoke else (QWEN25_15B, a.n or 10_000)
    if device == 'cpu' and not a.smoke: print('no CUDA device: running the full-size GPU benchmark on the CPU (slow)')
    tok = smollm2_tokenizer(a.tokenizer)
    torch.manual_seed(0)
    model = random_model(cfg, device, dtype)
    L = a.layer or cfg['num_hidden_layers'] // 2
    convs = conversations(n)
    half = n // 2
    sizes = [int(b) for b in str(a.batch_size).split(',')] if a.batch_size else ([256] if device == 'cuda' else [16])
    n_params = sum(p.numel() for p in model.parameters())
    gpu = torch.cuda.get_device_name() if device == 'cuda' else platform.processor() or 'cpu'
    print(f'{model_name(model)} ({n_params/1e9:.2f}B params, {dtype}) on {gpu}; layer {L}; {n} conversations; '
          f'torch {torch.__version__}, transformers {transformers.__version__}', flush=True)
    get_activations(model, tok, convs[:8], L, batch_size=8); naive_activations(model, tok, convs[:2], L)  # warm up

    rows, acts = [], {}
    m = min(a.naive_n or n, n)
    r, w, c = timed(lambda: naive_activations(model, tok, convs[:m], L)[L], device)
    acts['naive'] = r
    scale = n / m  # time for all n, extrapolated when --naive-n timed fewer
    rows.append(dict(method='naive' + (f' ({m} timed, x{scale:.0f})' if m < n else ''), wall_s=round(w*scale, 3),
                     cpu_s=round(c*scale, 3), n_timed=m))
    print(f"naive: {w:.2f}s for {m} conversations", flush=True)
    for bs in sizes:
        r, w, c = timed(lambda: get_activations(model, tok, convs, L, batch_size=bs)[L], device)
        acts[f'ours bs={bs}'] = r
        rows.append(dict(method=f'ours bs={bs}', wall_s=round(w, 3), cpu_s=round(c, 3)))
        print(f'ours bs={bs}: {w:.2f}s', flush=True)
    ref = acts['naive']
    mh = min(half, m // 2)  # a contrast both methods computed: the first mh conversations against the next mh
    diff = lambda x: x[:mh].mean(0) - x[mh:2*mh].mean(0)
    for r in rows[1:]:
        x = acts[r['method']][:m]
        r['cos_naive'] = cos(diff(x), diff(ref))
        r['min_row_cos'] = torch.nn.functional.cosine_similarity(x.double(), ref.double(), dim=1).min().item()
    best = min(rows[1:], key=lambda r: r['wall_s'])
    checks = {f'ours ({best["method"]}) >= 20x naive (wall)': rows[0]['wall_s'] / best['wall_s'] >= 20}
    return dict(mode='gpu-smoke' if a.smoke else 'gpu', device=gpu, dtype=str(dtype), config=cfg, layer=L, n=n,
                rows=rows, checks=checks, note='cos_naive: cosine of a contrast (the first half of the timed conversations minus the '
                'second half) from this row with the same contrast from the naive loop; min_row_cos: the least similar single row')

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--gpu', action='store_true', help='random Qwen2.5-1.5B-shaped model, many conversations, naive vs ours')
    ap.add_argument('--smoke', action='store_true', help='with --gpu: tiny model and few conversations (runs on a CPU)')
    ap.add_argument('--n', type=int, default=None, help='CPU: prompts per class (100); GPU: conversations (10000)')
    ap.add_argument('--naive-n', type=int, default=None, help='GPU: time the naive loop on this many and extrapolate')
    ap.add_argument('--layer', type=int, default=None, help='layer to read (default: the middle one)')
    ap.add_argument('--batch-size', default=None, help='ours: conversations per batch (GPU: a comma list to compare)')
    ap.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s choice)')
    ap.add_argument('--data', default=None, help='reference data folder (CPU mode; default data/reference)')
    ap.add_argument('--tokenizer', default=None, help='GPU: folder with SmolLM2\'s tokenizer files')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    if a.gpu: res = gpu_mode(a)
    else:
        a.n, a.batch_size = a.n or 100, int(a.batch_size or 16)
        res = cpu_mode(a)
    res.update(torch=torch.__version__, transformers=transformers.__version__, threads=torch.get_num_threads(),
               python=platform.python_version(), argv=sys.argv[1:])
    print('\n' + table(res['rows'], next(r['method'] for r in res['rows'] if r['method'].startswith('naive'))))
    for k, ok in res['checks'].items(): print(f"{'PASS' if ok else 'MISS'}  {k}")
    out = Path(a.out or ROOT/'bench'/'results'/f"extract_speed{'_gpu' if a.gpu else ''}{'_smoke' if a.smoke else ''}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + '\n')
    print(f'wrote {out}')

if __name__ == '__main__': main()
