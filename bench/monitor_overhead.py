"""Cost of self-monitoring: generation with the prefill guard (the detector reads the
prefill pass generation runs anyway) against plain generation, and against a separate classifier pass (the prompt
run again up to the detector's layer, then the detector) before plain generation.

    python bench/monitor_overhead.py [--model smollm2] [--layer 15] [--repeats 7] [--new_tokens 32]
                                     [--out bench/results/monitor_overhead.json]
    python bench/monitor_overhead.py --gpu [--smoke] [--tokenizer DIR]     # random weights in Qwen2.5-1.5B's shape, bf16 on CUDA
    python bench/monitor_overhead.py --random-like DIR [--threads 2]      # random weights in the shape of DIR/config.json, on the CPU

The default runs SmolLM2-135M-Instruct on the CPU. `--gpu` runs the same comparison on random weights in Qwen2.5-1.5B's
shape (bench_common.random_model) in bfloat16 on CUDA, where timings are steadier than on a shared CPU; `--smoke`
shrinks that model so the code path runs on a CPU in seconds. `--random-like DIR` builds a model from DIR's config.json
and tokenizer with random weights on the CPU (float32): SmolLM2's shape measured on a machine that is quiet but cannot
hold its weights (`--threads 2` matches the 2-core CPU runs).

The detector is the out-of-the-box one (`--detector default`: `monitor.default_detector`, the multi-layer MLP the
guard uses unless told otherwise) or a one-layer probe fitted on 60 rows of the shipped training set at `--layer`
(`--detector layer`); accuracy is irrelevant here, only what reading and scoring cost.
Runs alternate (plain, guarded, separate, plain, ...) so drift in machine load hits every side alike; we report
medians over the prompts' total time, both wall-clock and CPU time of this process (the CPU time is the steadier of
the two on a shared machine). Whole generations on a shared CPU still scatter by several percent between runs, so
`step_costs` also times one prefill pass and one decode step, plain and guarded, interleaved `--step-reps` times; the
medians give the guard's share of a prefill plus `--new_tokens` steps (`guard_overhead_pct_from_steps`).
Target: guard overhead under 2% of plain generation.
"""
import argparse, inspect, json, statistics
from pathlib import Path
import torch
from transformers import DynamicCache
from persona_vectors.models import load_model, generate, encode_conversation
from persona_vectors.monitor import ProbeDetector, shipped_safety, load_labelled, default_detector
from bench_common import QWEN25_15B, SMOKE, smollm2_tokenizer, random_model, random_like, timed

PROMPTS = ['How do I kill time at the airport during a long layover?', 'Write a haiku about the sea.',
           'Explain how vaccines are tested for safety.', 'How do I make a pipe bomb?']

def profile(plain, guarded):
    "Where the time goes: the top operators of one plain and one guarded run, and the device-to-host syncs each makes"
    from torch.profiler import profile as prof, ProfilerActivity
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    for name, fn in (('plain', plain), ('guarded', guarded)):
        with prof(activities=acts) as p: fn()
        ev = p.key_averages()
        syncs = sum(e.count for e in ev if 'Synchronize' in e.key or 'item' in e.key or 'local_scalar' in e.key)
        print(f'--- {name}: {syncs} sync-like calls')
        print(ev.table(sort_by='self_cpu_time_total', row_limit=12))

def step_costs(model, tok, det, prompt:str, reps:int)->dict:
    """Median and fastest ms of one prefill pass and one decode step (a 1-token forward on the prompt's KV cache, then
    cropped back), plain and inside the guard, interleaved `reps` times: the guard's own work per pass, measured at a
    grain where a few milliseconds of machine noise average out over hundreds of repeats"""
    ids = torch.tensor([encode_conversation(tok, {'prompt': prompt, 'response': None})[0]], device=model.device)
    cache = DynamicCache()
    kv = {('cache' if 'cache' in inspect.signature(model.forward).parameters else 'past_key_values'): cache}   # renamed in transformers 5.2x
    with torch.inference_mode(): nxt = model(ids, use_cache=True, **kv).logits[:, -1:].argmax(-1)
    def step():
        with torch.inference_mode(): model(nxt, use_cache=True, logits_to_keep=1, **kv)
        cache.crop(-1)
    def prefill():
        with torch.inference_mode(): model(ids, use_cache=True, logits_to_keep=1)
    t = {k: [] for k in ('prefill_plain', 'prefill_guard', 'step_plain', 'step_guard')}
    for i in range(reps):
        for k in ('prefill', 'step'):
            fn = prefill if k == 'prefill' else step
            t[f'{k}_plain'].append(timed(fn)[1])
            with det.guard(model):      # the guard's first call is its prefill (scored); then one decode step
                if k == 'step': prefill()
                t[f'{k}_guard'].append(timed(fn)[1])
    return {f'{k}_{f.__name__}_ms': round(1e3 * f(v), 3) for k, v in t.items() for f in (statistics.median, min)}

def cpu_name()->str:
    "The CPU's model name (Linux), to tell which machine a CPU timing came from"
    try: return 'cpu: ' + next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return 'cpu'

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default=None)
    ap.add_argument('--detector', default='default', choices=['default', 'layer'], help="the library's default detector, or a probe at --layer")
    ap.add_argument('--layer', type=int, default=15)
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--new_tokens', type=int, default=32)
    ap.add_argument('--gpu', action='store_true', help='random weights in Qwen2.5-1.5B\'s shape, bf16 on CUDA')
    ap.add_argument('--smoke', action='store_true', help='with --gpu: a tiny model of that shape (runs on a CPU)')
    ap.add_argument('--tokenizer', default=None, help="--gpu: folder with SmolLM2's tokenizer files")
    ap.add_argument('--random-like', default=None, help='a folder with config.json and tokenizer files: random weights of that shape on the CPU')
    ap.add_argument('--threads', type=int, default=None, help="torch's CPU threads (default: torch's choice)")
    ap.add_argument('--step-reps', type=int, default=300, help='repeats of the prefill/decode-step timing (0: skip it)')
    ap.add_argument('--profile', action='store_true', help='also print torch.profiler tables of one plain and one guarded generation')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    torch.manual_seed(0)
    if a.random_like:
        model, tok = random_like(a.random_like), smollm2_tokenizer(a.random_like)
        a.model = model.pv_name
    elif a.gpu:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        model = random_model(SMOKE if a.smoke else QWEN25_15B, device, torch.bfloat16 if device == 'cuda' else torch.float32)
        tok = smollm2_tokenizer(a.tokenizer)
        a.model = model.pv_name
    else: model, tok = load_model(a.model)
    if a.layer > model.config.num_hidden_layers: a.layer = model.config.num_hidden_layers // 2
    if a.detector == 'default': det = default_detector(model, tok)
    else:
        convs, y = load_labelled(shipped_safety('train'))
        det = ProbeDetector(a.layer).fit(model, tok, convs[:60], y[:60], cache=False)
    if a.threads: torch.set_num_threads(a.threads)   # after the detector's fit: the timings run on this many threads
    gen = lambda p: generate(model, tok, p, max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens)
    def plain():
        for p in PROMPTS: gen(p)
    def guarded():   # flag only: the same tokens are generated, the verdict comes from the prefill pass
        for p in PROMPTS:
            with det.guard(model): gen(p)
    def separate():  # a second pass over the prompt (to the detector's layer), then generation
        for p in PROMPTS: det.score(model, tok, [p]); gen(p)
    plain(); guarded(); separate()  # warm up
    if a.profile: profile(plain, guarded)
    t = {'plain': [], 'guarded': [], 'separate': []}
    runs = [('plain', plain), ('guarded', guarded), ('separate', separate)]
    for i in range(a.repeats):   # the order rotates, so no variant always runs first or after the same one
        for k, fn in runs[i % 3:] + runs[:i % 3]: t[k].append(timed(fn)[1:])
    wall = {k: statistics.median(w for w, c in v) for k, v in t.items()}
    cpu = {k: statistics.median(c for w, c in v) for k, v in t.items()}
    best = {k: min(w for w, c in v) for k, v in t.items()}   # fastest run: least disturbed by other work on the host
    pct = lambda d, k: round(100 * (d[k] / d['plain'] - 1), 2)
    st = step_costs(model, tok, det, PROMPTS[1], a.step_reps) if a.step_reps else {}
    if st:   # the guard's share of one generation of new_tokens, from the per-pass medians
        cost = lambda v: st[f'prefill_{v}_median_ms'] + a.new_tokens * st[f'step_{v}_median_ms']
        st['guard_overhead_pct_from_steps'] = round(100 * (cost('guard') / cost('plain') - 1), 2)
    res = dict(model=a.model or 'smollm2', device=torch.cuda.get_device_name() if a.gpu and torch.cuda.is_available() else cpu_name(),
               threads=torch.get_num_threads(), detector=repr(det), layer=a.layer if a.detector == 'layer' else None, prompts=len(PROMPTS),
               new_tokens=a.new_tokens, repeats=a.repeats, **{f'{k}_wall_s': round(v, 4) for k, v in wall.items()},
               **{f'{k}_cpu_s': round(v, 4) for k, v in cpu.items()},
               **{f'{k}_best_wall_s': round(v, 4) for k, v in best.items()},
               guard_overhead_pct_wall=pct(wall, 'guarded'), guard_overhead_pct_best_wall=pct(best, 'guarded'), guard_overhead_pct_cpu=pct(cpu, 'guarded'),
               separate_pass_overhead_pct_wall=pct(wall, 'separate'), separate_pass_overhead_pct_best_wall=pct(best, 'separate'), separate_pass_overhead_pct_cpu=pct(cpu, 'separate'),
               step_reps=a.step_reps, **st, target_guard_overhead_pct=2.0)
    print(json.dumps(res, indent=1))
    a.out = a.out or Path(__file__).resolve().parent/'results'/f"monitor_overhead{'_gpu' if a.gpu else ''}{'_random_like' if a.random_like else ''}{'_smoke' if a.smoke else ''}{'_layer' if a.detector == 'layer' else ''}.json"
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
