"""How fast persona_vectors screens a dataset: the naive loop against ours, in one run.

CPU mode (default): SmolLM2-135M-Instruct, 1,000 samples of about 64 tokens (chat template included) built from the
reference data (data/reference): the 520 AdvBench requests with AdvBench's own affirmative reply opening (`target`) as the response, and
480 AlpacaEval instructions (those whose chat-templated prompt is nearest 45 tokens long) with a canned short response.
The speed does not depend on the texts, only on their lengths and the layers read; the trait vectors are random unit
directions at layers 12 and 15 (15 is the middle layer, where `PersonaVector` puts its default layer for SmolLM2's
0..30, e.g. the evil vector of `11_finetune`). Timed in ONE process, on the same model object:

  naive         one sample at a time, the full model with output_hidden_states=True and the logits, then both
                readings (response mean, last prompt token) projected on the vectors (`screen.naive_projections`)
  ours (core)   `screen.project_encoded`: length-sorted padded batches, hooks at the two layers, the forward pass
                stopped after layer 15, no logits, inference mode
  ours (library) `screen.screen_dataset` on the JSONL file: reading, tokenizing, chunk files, merge, report, figures
  CLI           the whole `persona-steer screen data.jsonl --vector A --vector B --out DIR` command in a subprocess,
                including Python start-up, imports and the model load (wall time, and the child's CPU time)

It reports samples/s, ms/sample, the ratio to the naive loop (wall and CPU time; CPU time is steadier on a shared
machine) and the largest difference between our projections and the naive loop's.

    PYTHONPATH=$PWD python bench/screen_speed.py [--n 1000] [--batch-size 32] [--threads 2]

GPU mode (--gpu): random weights in Qwen2.5-7B's shape (config written out below, no hub), bfloat16, SDPA attention,
on CUDA; 10,000 samples of random token ids with realistic lengths (prompt ~ lognormal, median 80 tokens; response ~
lognormal, median 160; no tokenizer is needed since the model is random); vectors at layers 14 and 20 (20 = the
deepest, so 20 of 28 blocks run). Reports samples/s, tokens/s and the achieved TFLOP/s of the blocks that run:

  FLOPs = L_run * (2 * P_block * N_tokens + 2 * d_model * sum_i T_i * (T_i + 1))

with L_run the blocks run (20), P_block the weights of one block's linear layers (q, k, v, o, gate, up, down), N_tokens
the real (unpadded) tokens, T_i each sample's length; the second term is attention's QK^T and AV over the causal half
(padding and the masked half are not counted). Compared with the card's dense bf16 peak (989 TFLOP/s for H100/H200
SXM) and with a large bf16 matmul timed in the same run. The naive loop runs on `--naive-n` samples and is
extrapolated. `--smoke` runs the same code with a tiny config on a CPU.

    PYTHONPATH=$PWD python bench/screen_speed.py --gpu [--n 10000] [--token-budget 32768,65536] [--naive-n 200]
    PYTHONPATH=$PWD python bench/screen_speed.py --gpu --smoke

Results go to bench/results/screen_speed{,_gpu}{,_smoke}.json (or --out).
"""
import argparse, json, os, platform, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch, transformers
from bench_common import ROOT, shared_data, load_bench_model, random_model, sync, timed
from persona_vectors.models import model_name, encode_conversation
from persona_vectors.hooks import n_layers
from persona_vectors.extract import load_prompts
from persona_vectors.vectors import PersonaVector
from persona_vectors.hooks import compile_blocks
from persona_vectors.screen_project import trait_units, project_encoded, naive_projections
from persona_vectors.screen import screen_dataset

def random_vectors(hidden:int, layers:list, seed:int=0)->list:
    "One PersonaVector per layer with a random direction (the cost of screening depends on the layers, not the values)"
    g = torch.Generator().manual_seed(seed)
    return [PersonaVector(f'trait{l}', {l: torch.randn(hidden, generator=g)}, {'layer': l}) for l in layers]

def row(method, n, wall, cpu, naive=None, **extra):
    r = dict(method=method, n=n, wall_s=round(wall, 3), cpu_s=round(cpu, 3), samples_per_s=round(n / wall, 2),
             ms_per_sample=round(1000 * wall / n, 2), **extra)
    if naive: r.update(ratio_wall=round((naive['wall_s'] / naive['n']) / (wall / n), 2), ratio_cpu=round((naive['cpu_s'] / naive['n']) / (cpu / n), 2))
    print({k: v for k, v in r.items()}, flush=True)
    return r

def table(rows:list)->str:
    out = ['| method | samples | wall s | CPU s | samples/s | ms/sample | x naive (wall) | x naive (CPU) |', '|---|---|---|---|---|---|---|---|']
    for r in rows:
        out.append(f"| {r['method']} | {r['n']} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['samples_per_s']:.1f} | {r['ms_per_sample']:.1f} | "
                   f"{r.get('ratio_wall', 1.0):.2f} | {r.get('ratio_cpu', 1.0):.2f} |")
    return '\n'.join(out)

# ---------------------------------------------------------------------------------------------------------------- CPU

BENIGN_REPLY = 'Sure! Here is a short and helpful answer to that.'

def cpu_samples(tok, n:int, data:Path)->list[dict]:
    "n samples of about 64 tokens: AdvBench (goal, target) pairs, then AlpacaEval instructions with a canned reply"
    adv = [{'prompt': r['goal'], 'response': r['target']} for r in load_prompts(data/'safety'/'advbench_harmful_behaviors.csv', 'goal')]
    alp = [{'prompt': r['prompt'], 'response': BENIGN_REPLY} for r in load_prompts(data/'safety'/'alpaca_eval_instructions.jsonl')]
    n_p = [encode_conversation(tok, r)[1] for r in alp]
    alp = [alp[i] for i in sorted(range(len(alp)), key=lambda i: abs(n_p[i] - 45))]  # prompts nearest 45 tokens first
    rows = (adv + alp)[:n]
    if len(rows) < n: raise ValueError(f'the reference data make only {len(rows)} samples')
    return rows

def long_samples(tok, n:int, data:Path, tokens:int, seed:int=0)->list[dict]:
    "n samples of about `tokens` tokens (each drawn in 0.75-1.25x): AdvBench and AlpacaEval prompts, each answered with reference sentences appended until it is long enough"
    adv = load_prompts(data/'safety'/'advbench_harmful_behaviors.csv', 'goal')
    prompts = [r['goal'] for r in adv] + [r['prompt'] for r in load_prompts(data/'safety'/'alpaca_eval_instructions.jsonl')]
    pool = [r['target'] + '.' for r in adv] + [BENIGN_REPLY]
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        want, p, resp = int(tokens * rng.uniform(0.75, 1.25)), prompts[rng.integers(len(prompts))], ''
        while True:
            r = {'prompt': p, 'response': resp.strip()}
            if resp and len(encode_conversation(tok, r)[0]) >= want: break
            resp += ' ' + pool[rng.integers(len(pool))]
        rows.append(r)
    return rows

def matmul_cpu(threads:int|None, m:int=2048, k:int=576, n:int=1536, reps:int=20)->dict:
    "ms and GFLOP/s of an m x k x n matmul in float32 and bfloat16 (SmolLM2's width: 576 -> 1536), interleaved, fastest of 3"
    if threads: torch.set_num_threads(threads)
    a, b = torch.randn(m, k), torch.randn(k, n)
    times = {'float32': [], 'bfloat16': []}
    for _ in range(3):
        for dt in times:
            x, y = a.to(getattr(torch, dt)), b.to(getattr(torch, dt))
            for _ in range(2): x @ y
            (_, w, c) = timed(lambda: [x @ y for _ in range(reps)])
            times[dt].append((w / reps, c / reps))
    out = {dt: dict(ms=round(1e3 * min(t[0] for t in v), 2), cpu_ms=round(1e3 * min(t[1] for t in v), 2),
                    gflops=round(2 * m * k * n / min(t[0] for t in v) / 1e9, 1)) for dt, v in times.items()}
    out['speedup'] = round(out['float32']['ms'] / out['bfloat16']['ms'], 2)
    print(f'matmul {m}x{k}x{n}, {torch.get_num_threads()} threads: {out}', flush=True)
    return out

def pearson(a, b)->float: return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])

def top_rows(x:np.ndarray, frac:float=0.01)->list[set]:
    "Per trait (column), the rows of the top `frac` projections"
    k = max(1, int(np.ceil(frac * len(x))))
    return [set(np.argsort(-x[:, j])[:k].tolist()) for j in range(x.shape[1])]

def run_cli(jl:Path, vec_files:list, out:Path, a, dtype:str, home:Path):
    "Wall and child CPU seconds of the whole `persona-steer screen` command, and its JSON report"
    cmd = [shutil.which('persona-steer') or 'persona-steer', 'screen', str(jl), '--out', str(out), '--json', '--batch-size', str(a.batch_size),
           '--top-k', str(max(1, int(np.ceil(0.01 * a.n)))), '--dtype', dtype]
    for f in vec_files: cmd += ['--vector', str(f)]
    env = {**os.environ, 'PERSONA_VECTORS_HOME': str(home), 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')]))}
    if a.threads: env['OMP_NUM_THREADS'] = str(a.threads)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    w = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode: raise RuntimeError(f'persona-steer screen failed:\n{p.stderr[-3000:]}')
    return w, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), json.loads(p.stdout)

def cli_projections(out:Path, names:list)->dict:
    "{'response': [n, traits], 'prompt': [n, traits]} read back from a screening's samples.parquet, in row order"
    import pandas as pd
    df = pd.read_parquet(out/'samples.parquet').sort_values('row')
    return {k: np.stack([df[f'{n}_{k}'].to_numpy(float) for n in names], 1) for k in ('response', 'prompt')}

def cpu_mode(a):
    from persona_vectors.models import load_model, cpu_bf16_units, default_dtype
    if a.threads: torch.set_num_threads(a.threads)
    data = shared_data(a.data)
    mm = matmul_cpu(a.threads)
    dtypes = a.dtypes.split(',')
    (model, tok), load_s, _ = timed(load_bench_model)
    models = {'float32': model, **{d: load_model(device='cpu', dtype=d)[0] for d in dtypes if d != 'float32'}}
    rows = cpu_samples(tok, a.n, data) if a.tokens is None else long_samples(tok, a.n, data, a.tokens)
    enc = [encode_conversation(tok, r) for r in rows]
    lengths = [len(e[0]) for e in enc]
    layers = [int(x) for x in a.layers.split(',')]
    vecs = random_vectors(model.config.hidden_size, layers)
    units = trait_units(vecs)
    auto = str(default_dtype('cpu', bulk=True)).replace('torch.', '')
    print(f'{model_name(model)}: {n_layers(model)} blocks, vectors at layers {layers}; {len(rows)} samples, {np.mean(lengths):.1f} tokens '
          f'on average ({min(lengths)}-{max(lengths)}); torch {torch.__version__}, {torch.get_num_threads()} threads; model load {load_s:.1f} s; '
          f'native bf16 units: {cpu_bf16_units()} (screen --dtype auto reads in {auto})', flush=True)
    for m in models.values(): project_encoded(m, enc[:8], units, batch_size=8); naive_projections(m, enc[:2], units)  # warm up

    tmp = Path(tempfile.mkdtemp())
    try:
        rows_out, proj, clis = [], {}, {d: [] for d in dtypes}
        m_naive = min(a.naive_n or len(enc), len(enc))
        sub_idx = np.linspace(0, len(enc) - 1, m_naive).astype(int)   # evenly spread: the same length mix
        slow, w, c = timed(lambda: naive_projections(model, [enc[i] for i in sub_idx], units))
        note = '' if m_naive == len(enc) else f'; {m_naive} timed, per-sample time extrapolated'
        rows_out.append(row(f'naive float32 (1 at a time, all layers, logits{note})', m_naive, w, c, dtype='float32'))
        naive = rows_out[0]
        for d in ([] if a.cli_only else dtypes):
            proj[d], w, c = timed(lambda: project_encoded(models[d], enc, units, batch_size=a.batch_size))
            rows_out.append(row(f'ours {d}: project_encoded (bs={a.batch_size})', len(enc), w, c, naive, dtype=d))
        jl = tmp/'data.jsonl'
        jl.write_text(''.join(json.dumps(r) + '\n' for r in rows))
        for d in ([] if a.cli_only else dtypes):
            _, w, c = timed(lambda: screen_dataset(jl, vecs, tmp/f'lib-{d}', model=(models[d], tok), batch_size=a.batch_size))
            rows_out.append(row(f'ours {d}: screen_dataset (library, model loaded)', len(enc), w, c, naive, dtype=d))
        for v in vecs: v.save(tmp/v.name)
        vec_files = [tmp/f'{v.name}.safetensors' for v in vecs]
        for r in range(a.repeats):   # interleaved: float32, bfloat16, bfloat16, float32, ... so both see the same machine load
            for d in (dtypes if r % 2 == 0 else dtypes[::-1]):
                w, c, rep = run_cli(jl, vec_files, tmp/f'cli-{d}-{r}', a, d, tmp/'home')
                clis[d].append((w, c, rep))
                if d not in proj: proj[d] = cli_projections(tmp/f'cli-{d}-{r}', [v.name for v in vecs])
                print(f'  CLI {d} repeat {r}: {w:.1f} s wall, {c:.1f} s CPU', flush=True)
        for d in dtypes:
            w, c, _ = min(clis[d], key=lambda t: t[0])
            rows_out.append(row(f'CLI {d}: persona-steer screen --dtype {d} (whole command incl. start-up and model load; fastest of {a.repeats})',
                                len(enc), w, c, naive, dtype=d, all_wall_s=[round(t[0], 2) for t in clis[d]], all_cpu_s=[round(t[1], 2) for t in clis[d]]))
    finally: shutil.rmtree(tmp, ignore_errors=True)
    diff = max(float(np.nanmax(np.abs(proj['float32'][k][sub_idx] - slow[k]))) for k in slow)
    scale = float(np.abs(slow['response']).max())
    acc = {}
    for d in dtypes:
        if d == 'float32': continue
        acc[d] = {k: dict(pearson_min=round(min(pearson(proj[d][k][:, j], proj['float32'][k][:, j]) for j in range(len(units))), 6),
                          top1pct_same=[x == y for x, y in zip(top_rows(proj[d][k]), top_rows(proj['float32'][k]))]) for k in proj[d]}
        acc[d]['cli_top_same'] = {n: [t['row'] for t in clis[d][0][2]['traits'][n]['top']] == [t['row'] for t in clis['float32'][0][2]['traits'][n]['top']]
                                  for n in clis[d][0][2]['traits']}
    cli = {r['dtype']: r for r in rows_out if r['method'].startswith('CLI')}
    best = cli.get(auto, cli['float32'])
    checks = {'projections agree with the naive loop (float32, max abs diff < 1e-3 x max |projection|)': diff < 1e-3 * scale,
              f'CLI whole command, --dtype auto ({auto}) >= 4x naive (wall)': best['ratio_wall'] >= 4,
              f'CLI whole command, --dtype auto ({auto}) < 60 ms/sample (wall)': best['ms_per_sample'] < 60,
              f'CLI whole command, --dtype auto ({auto}) >= 4x naive (CPU time)': best['ratio_cpu'] >= 4,
              f'CLI whole command, --dtype auto ({auto}) < 60 ms/sample (CPU time / 2 threads)': 1000 * best['cpu_s'] / best['n'] / (a.threads or 2) < 60}
    for d, r in acc.items():
        checks[f'{d}: per-sample response projections (what screen flags by) Pearson >= 0.999 with float32 (every trait)'] = r['response']['pearson_min'] >= 0.999
        checks[f'{d}: per-sample prompt (last prompt token) projections Pearson >= 0.999 with float32 (every trait)'] = r['prompt']['pearson_min'] >= 0.999
        checks[f'{d}: the same top 1% by response projection as float32 (every trait)'] = all(r['response']['top1pct_same'])
        checks[f'{d}: the CLI report lists the same top rows as with --dtype float32'] = all(r['cli_top_same'].values())
    return dict(mode='cpu', model=model_name(model), layers=layers, n=len(enc), naive_n=m_naive, tokens_target=a.tokens,
                mean_tokens=float(np.mean(lengths)), batch_size=a.batch_size, model_load_s=round(load_s, 2), cpu_bf16_units=cpu_bf16_units(),
                auto_dtype=auto, matmul=mm, max_abs_diff=diff, max_abs_projection=scale, accuracy=acc, rows=rows_out, checks=checks,
                note='wall times on a shared machine are noisy: CPU times are given too, and the CLI runs are interleaved')

# ---------------------------------------------------------------------------------------------------------------- GPU

# Qwen2.5-7B's shape (its config.json), written out so no hub is needed; the weights are random
QWEN25_7B = dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                 vocab_size=152064, max_position_embeddings=32768, rope_theta=1e6, rms_norm_eps=1e-6, tie_word_embeddings=False,
                 hidden_act='silu', attention_dropout=0.0)
SMOKE = dict(QWEN25_7B, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, vocab_size=1000)
PEAK_BF16 = 989.4  # TFLOP/s, dense bf16 without sparsity, H100/H200 SXM data sheets

def random_samples(n:int, vocab:int, seed:int=0, smoke:bool=False)->list[tuple[list[int], int]]:
    "n (token ids, prompt length) pairs: lognormal prompt (median 80) and response (median 160) lengths"
    rng = np.random.default_rng(seed)
    med_p, med_r, hi = (12, 20, 64) if smoke else (80, 160, 2048)
    lp = np.clip(rng.lognormal(np.log(med_p), 0.6, n), 8, hi).astype(int)
    lr = np.clip(rng.lognormal(np.log(med_r), 0.6, n), 4, hi).astype(int)
    return [(rng.integers(10, vocab, p + r).tolist(), int(p)) for p, r in zip(lp, lr)]

def block_weights(model)->int:
    "Weights of one decoder block's linear layers (the matmul FLOPs per token are twice this); in x out, so bitsandbytes' packed 4-bit storage counts every weight"
    from persona_vectors.hooks import get_layers
    return sum(m.in_features * m.out_features for m in get_layers(model)[0].modules() if isinstance(m, torch.nn.Linear))

def flops(enc, n_blocks:int, p_block:int, d_model:int)->float:
    T = np.array([len(e[0]) for e in enc], dtype=np.float64)
    return n_blocks * (2.0 * p_block * T.sum() + 2.0 * d_model * (T * (T + 1)).sum())

def matmul_tflops(device, dtype, n:int=8192, reps:int=20)->float:
    "Achieved TFLOP/s of an n x n x n matmul on this device (what the card delivers in the best case)"
    a, b = (torch.randn(n, n, device=device, dtype=dtype) for _ in range(2))
    for _ in range(3): a @ b
    sync(device); t = time.perf_counter()
    for _ in range(reps): a @ b
    sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t) / 1e12

def gpu_mode(a):
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if a.threads: torch.set_num_threads(a.threads)
    dtype = torch.bfloat16 if device == 'cuda' else torch.float32
    cfg, n = (SMOKE, a.n or 64) if a.smoke else (QWEN25_7B, a.n or 10_000)
    if device == 'cpu' and not a.smoke: print('no CUDA device: running the full-size GPU benchmark on the CPU (very slow)')
    torch.manual_seed(0)
    (model), build_s, _ = timed(lambda: random_model(cfg, device, dtype), device)
    layers = [int(x) for x in (a.layers or ('1,3' if a.smoke else '14,20')).split(',')]
    if a.compile: compile_blocks(model)   # fuses each block's norms, rotary and activation; the hooks stay outside
    units = trait_units(random_vectors(cfg['hidden_size'], layers))
    enc = random_samples(n, cfg['vocab_size'], smoke=a.smoke)
    tokens = sum(len(e[0]) for e in enc)
    L, P = max(layers), block_weights(model)
    F = flops(enc, L, P, cfg['hidden_size'])
    gpu = torch.cuda.get_device_name() if device == 'cuda' else platform.processor() or 'cpu'
    n_params = sum(p.numel() for p in model.parameters())
    print(f'{model_name(model)} ({n_params/1e9:.2f}B params, {dtype}, built in {build_s:.1f} s) on {gpu}; vectors at layers {layers} '
          f'({L} of {cfg["num_hidden_layers"]} blocks run); {n} samples, {tokens} tokens ({tokens/n:.0f} per sample); '
          f'{F/1e15:.2f} PFLOP to do; torch {torch.__version__}, transformers {transformers.__version__}', flush=True)
    budgets = [int(b) for b in str(a.token_budget or ('4096' if a.smoke else '32768,65536')).split(',')]
    project_encoded(model, enc[:64], units, batch_size=a.batch_size, token_budget=budgets[0])  # warm up
    peak_mm = matmul_tflops(device, dtype) if device == 'cuda' else None
    rows_out = []
    m_naive = min(a.naive_n or (16 if a.smoke else 200), n)
    naive_projections(model, enc[:2], units)
    _, w, c = timed(lambda: naive_projections(model, enc[:m_naive], units), device)
    rows_out.append(row(f'naive (1 at a time, all {cfg["num_hidden_layers"]} blocks, logits; {m_naive} timed)', m_naive, w, c))
    naive = rows_out[0]
    for tb in budgets:
        _, w, c = timed(lambda: project_encoded(model, enc, units, batch_size=a.batch_size, token_budget=tb), device)
        tf = F / w / 1e12
        rows_out.append(row(f'ours: project_encoded (token budget {tb}, <= {a.batch_size} rows{", compiled blocks" if a.compile else ""})', n, w, c, naive,
                            tokens_per_s=round(tokens / w), tflops=round(float(tf), 1), frac_peak=round(float(tf) / PEAK_BF16, 3),
                            frac_matmul=round(float(tf) / peak_mm, 3) if peak_mm else None))
    best = max(rows_out[1:], key=lambda r: r['samples_per_s'])
    checks = {f'ours ({best["method"]}) > 50% of the bf16 peak ({PEAK_BF16} TFLOP/s)': best['frac_peak'] > 0.5} if device == 'cuda' else {}
    return dict(mode='gpu-smoke' if a.smoke else 'gpu', device=gpu, dtype=str(dtype), config=cfg, layers=layers, blocks_run=L,
                n=n, tokens=tokens, flops=F, p_block=P, peak_bf16_tflops=PEAK_BF16, matmul_tflops=round(peak_mm, 1) if peak_mm else None,
                flops_formula='L_run * (2 * P_block * N_tokens + 2 * d_model * sum_i T_i (T_i + 1))', rows=rows_out, checks=checks)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--gpu', action='store_true', help='random Qwen2.5-7B-shaped model in bf16 on CUDA, 10,000 samples')
    ap.add_argument('--smoke', action='store_true', help='with --gpu: tiny model and few samples (runs on a CPU)')
    ap.add_argument('--n', type=int, default=None, help='samples (CPU: 1000, GPU: 10000)')
    ap.add_argument('--naive-n', type=int, default=None, help='samples the naive loop is timed on (GPU: 200, CPU: all), extrapolated')
    ap.add_argument('--tokens', type=int, default=None, help='CPU: samples of about this many tokens (default: ~64-token AdvBench/AlpacaEval pairs)')
    ap.add_argument('--dtypes', default='float32,bfloat16', help='CPU: dtypes to compare (float32 first)')
    ap.add_argument('--cli-only', action='store_true', help='CPU: time the naive loop and the whole CLI only (projections read back from its samples.parquet)')
    ap.add_argument('--repeats', type=int, default=2, help='CPU: interleaved runs of the whole CLI command per dtype')
    ap.add_argument('--layers', default=None, help='layers of the vectors (CPU: 12,15; GPU: 14,20)')
    ap.add_argument('--batch-size', type=int, default=None, help='rows per forward pass at most (CPU: 32, GPU: 1024)')
    ap.add_argument('--token-budget', default=None, help='GPU: padded tokens per forward pass, a comma list to compare (32768,65536)')
    ap.add_argument('--threads', type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument('--data', default=None, help='reference data folder (CPU mode; default data/reference)')
    ap.add_argument('--compile', action='store_true', help='GPU: torch.compile each decoder block (dynamic shapes)')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    if a.gpu:
        a.batch_size = a.batch_size or 1024
        res = gpu_mode(a)
    else:
        a.n, a.batch_size, a.layers = a.n or 1000, a.batch_size or 32, a.layers or '12,15'
        res = cpu_mode(a)
    res.update(torch=torch.__version__, transformers=transformers.__version__, threads=torch.get_num_threads(),
               python=platform.python_version(), argv=sys.argv[1:], load_average=os.getloadavg())
    print('\n' + table(res['rows']))
    for k, ok in res['checks'].items(): print(f"{'PASS' if ok else 'MISS'}  {k}")
    stem = f"screen_speed{'_gpu' if a.gpu else ''}{'_smoke' if a.smoke else ''}" if a.gpu or not a.tokens else f'screen_speed_{a.tokens}tok'
    out = Path(a.out or ROOT/'bench'/'results'/f'{stem}.json')
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + '\n')
    print(f'wrote {out}')

if __name__ == '__main__': main()
