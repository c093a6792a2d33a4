"""The whole library on a GPU through its public API, on random weights in a real model's shape.

A random-weight model in Qwen2.5-7B's shape (or 32B's, 72B's) is written to a local folder and loaded by path with
`models.load_model` (bf16, or `--quantization 4bit`), then every user-facing step runs on it, as a user would call it:

  extract   `extract.extract_contrastive` over --n-extract conversations per side (a shipped trait's instructions x
            the shipped questions), all layers, last prompt token -> `PersonaVector.from_contrast`
  library   `VectorLibrary.save` / `load` round trip of the new vector, and the safety axis (`axes.safety_axis`)
  steer     `steer.SteeringEngine.generate`: one steered reply with the safety axis capped; then 16 prompts steered in
            batches (`hooks.add_vectors` around `models.generate`)
  guard     `monitor.fit_detector` on the shipped labelled prompts, then `monitor.guarded_generate` on 16 prompts
  screen    the `persona-steer screen` command in a subprocess (start-up and model load included) on --n-screen
            prompt/response pairs, the vector from a file; run last, once this process has freed its model (two copies of
            a 72B model do not fit one card)
  audit     `audit.audit` of the model against itself (a throughput check: the shift is ~0 by construction)
  speed     `screen.project_encoded` on --n-speed samples of random token ids (lognormal lengths, median 80 + 160),
            eager and with `hooks.compile_blocks`, and extraction (`get_activations`) on the same: achieved TFLOP/s
            against an 8192^3 bf16 matmul timed in the same run
  devmap    hooks on a tiny model whose first half runs on the CPU and second half on the GPU (accelerate dispatch):
            captures, steering, capping and early stop equal the single-device model's

Each step records wall seconds, samples/s and the GPU memory peak (`torch.cuda.max_memory_allocated`, reset before
the step; for the CLI subprocess, the device's used memory polled every 50 ms minus what this process holds).
The JSON is rewritten after every step, so a run cut short keeps what finished.

    PYTHONPATH=$PWD python bench/gpu_e2e.py --tokenizer .tok --work /tmp/pv_e2e --out $OUT/gpu_e2e_7b.json
    PYTHONPATH=$PWD python bench/gpu_e2e.py --shape 72b --init 4bit --no-compile ...   # implies --quantization 4bit
    PYTHONPATH=$PWD python bench/gpu_e2e.py --shape smoke          # the same code, tiny, on a CPU

`--init save` (default) builds the random model on the GPU and writes it with `save_pretrained`; `--init 4bit` builds it
layer by layer as bitsandbytes NF4 and writes a pre-quantized checkpoint (32B: ~20 GB, 72B: ~41 GB on disk), which
`load_model(path, quantization='4bit')` reads back as it is; `--init config`
writes only the config (and one norm weight) so that `from_pretrained` initialises every other weight at load time,
for shapes whose bf16 weights do not fit the machine's disk (32B: 65 GB, 72B: 145 GB on a 64 GB disk).
"""
import argparse, gc, json, os, platform, shutil, subprocess, sys, threading, time
from pathlib import Path

import numpy as np
import torch, transformers
from bench_common import ROOT, random_model, smollm2_tokenizer, sync
from screen_speed import QWEN25_7B, random_samples, block_weights, flops, matmul_tflops, random_vectors

SHAPES = {'7b': QWEN25_7B,
          '32b': dict(QWEN25_7B, hidden_size=5120, intermediate_size=27648, num_hidden_layers=64, num_attention_heads=40, num_key_value_heads=8),
          '72b': dict(QWEN25_7B, hidden_size=8192, intermediate_size=29568, num_hidden_layers=80, num_attention_heads=64, num_key_value_heads=8),
          'smoke': dict(QWEN25_7B, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, vocab_size=49152)}

def n_params(cfg:dict)->int:
    "Weights of a Qwen2 config: embeddings, head, and per block q/k/v/o (with q/k/v biases), the MLP and two norms"
    d, f, L, V = cfg['hidden_size'], cfg['intermediate_size'], cfg['num_hidden_layers'], cfg['vocab_size']
    kv = d // cfg['num_attention_heads'] * cfg['num_key_value_heads']
    block = d * d * 2 + 2 * d * kv + d + 2 * kv + 3 * d * f + 2 * d
    return L * block + V * d * (1 if cfg.get('tie_word_embeddings') else 2) + d

class Recorder:
    "Collects one record per step and rewrites the JSON after each"
    def __init__(self, out:Path, meta:dict): self.out, self.res = out, dict(meta, steps={}, checks={})
    def save(self):
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps(self.res, indent=1, default=str) + '\n')
    def step(self, name:str, fn, n:int|None=None, unit:str='samples'):
        "Run fn() -> dict of extras; record seconds, n/s and the memory peak; errors are recorded, not raised"
        if torch.cuda.is_available(): torch.cuda.reset_peak_memory_stats()
        sync(); t0 = time.perf_counter()
        try: extra, err = fn() or {}, None
        except Exception as e:
            import traceback; extra, err = {}, f'{type(e).__name__}: {e}'; traceback.print_exc()
        sync(); w = time.perf_counter() - t0
        n = extra.pop('n', n)
        r = dict(seconds=round(w, 2), **({'n': n, f'{unit}_per_s': round(n / w, 2)} if n else {}), **extra)
        if torch.cuda.is_available(): r['gpu_peak_gib'] = r.get('gpu_peak_gib') or round(torch.cuda.max_memory_allocated() / 2**30, 2)
        if err: r['error'] = err
        self.res['steps'][name] = r
        print(f'[{name}] {r}', flush=True); self.save()
        return r

def free():
    gc.collect()
    if torch.cuda.is_available(): torch.cuda.empty_cache()

def random_4bit_model(cfg:dict, device)->torch.nn.Module:
    """A Qwen2 model whose block linears are bitsandbytes NF4 (double-quantized, bf16 compute) with random weights, built
    one layer at a time on `device`: the bf16 weights never exist all at once, so a 72B shape (145 GB in bf16) is made on
    an 80 GB card and written as a pre-quantized checkpoint of ~40 GB that `from_pretrained` reads back as it is"""
    import bitsandbytes as bnb
    from transformers import BitsAndBytesConfig
    config = transformers.AutoConfig.for_model('qwen2', **cfg)
    with torch.device('meta'): model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    g = torch.Generator(device).manual_seed(0)
    def rand(*shape, std=0.02): return (torch.randn(*shape, generator=g, device=device, dtype=torch.bfloat16) * std)
    for name, parent in list(model.named_modules()):
        for cname, lin in list(parent.named_children()):
            if not isinstance(lin, torch.nn.Linear) or (name, cname) == ('', 'lm_head'): continue
            q = bnb.nn.Linear4bit(lin.in_features, lin.out_features, bias=lin.bias is not None, compute_dtype=torch.bfloat16,
                                  compress_statistics=True, quant_type='nf4', device='meta')
            q.weight = bnb.nn.Params4bit(rand(lin.out_features, lin.in_features), requires_grad=False, compress_statistics=True,
                                         quant_type='nf4', module=q)._quantize(device)
            if lin.bias is not None: q.bias = torch.nn.Parameter(torch.zeros(lin.out_features, device=device, dtype=torch.bfloat16), requires_grad=False)
            setattr(parent, cname, q)
    for name, mod in model.named_modules():   # what is left on meta: embeddings, head (random) and norms (ones)
        for pname, p in list(mod.named_parameters(recurse=False)):
            if p.device.type == 'meta':
                mod._parameters[pname] = torch.nn.Parameter(torch.ones(p.shape, device=device, dtype=p.dtype) if 'norm' in name else rand(*p.shape), requires_grad=False)
    with torch.device(device): model.model.rotary_emb = type(model.model.rotary_emb)(config=config)   # its buffers were left on meta
    model.config.quantization_config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', bnb_4bit_compute_dtype=torch.bfloat16,
                                                          bnb_4bit_use_double_quant=True)
    return model

def make_checkpoint(cfg:dict, folder:Path, tok, init:str, device)->dict:
    "Write the random model to `folder`: all weights (`save`), pre-quantized NF4 block weights (`4bit`) or the config alone (`config`)"
    need = 2 * n_params(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    if init == 'save':
        free_b = shutil.disk_usage(folder).free
        if need > 0.95 * free_b: raise RuntimeError(f'bf16 weights need {need/1e9:.1f} GB, the disk has {free_b/1e9:.1f} GB free: use --init config')
        model = random_model(cfg, device, torch.bfloat16)
        model.save_pretrained(folder, max_shard_size='5GB')
        del model; free()
    elif init == '4bit':
        model = random_4bit_model(cfg, device)
        model.save_pretrained(folder, max_shard_size='5GB')
        need = sum(f.stat().st_size for f in folder.glob('*.safetensors'))
        del model; free()
    else:
        from safetensors.torch import save_file
        transformers.AutoConfig.for_model('qwen2', **cfg).save_pretrained(folder)
        save_file({'model.norm.weight': torch.ones(cfg['hidden_size'], dtype=torch.bfloat16)}, folder/'model.safetensors', metadata={'format': 'pt'})
    tok.save_pretrained(folder)
    return dict(params=n_params(cfg), **{'checkpoint_bytes' if init == '4bit' else 'bf16_bytes': need}, init=init)

def cli_screen(folder:Path, data:Path, vec:Path, out:Path, a)->dict:
    "The `persona-steer screen` command in a subprocess, with the device's memory use polled while it runs"
    cmd = [sys.executable, '-c', 'import sys; from persona_vectors.cli import main; sys.argv[0] = "persona-steer"; main()',
           'screen', str(data), '--vector', str(vec), '--out', str(out), '--model', str(folder), '--json',
           '--batch-size', '1024', '--token-budget', str(a.token_budget)]
    if a.quantization: cmd += ['--quantization', a.quantization]
    env = {**os.environ, 'PERSONA_VECTORS_HOME': str(out.parent/'home'), 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')]))}
    peak, done = [0], threading.Event()
    base = torch.cuda.mem_get_info()[1] - torch.cuda.mem_get_info()[0] if torch.cuda.is_available() else 0
    def poll():
        while not done.is_set() and torch.cuda.is_available():
            free_b, total = torch.cuda.mem_get_info(); peak[0] = max(peak[0], total - free_b - base); time.sleep(0.05)
    th = threading.Thread(target=poll, daemon=True); th.start()
    try: p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    finally: done.set(); th.join()
    if p.returncode: raise RuntimeError(f'persona-steer screen failed:\n{p.stderr[-3000:]}')
    rep = json.loads(p.stdout)
    return dict(n=rep['n_scored'], gpu_peak_gib=round(peak[0] / 2**30, 2) if torch.cuda.is_available() else None,
                note='whole command: Python start-up, imports, model load from disk, screening, report')

def screen_step(pv, folder:Path, work:Path, a)->dict:
    "`persona-steer screen` on --n-screen pairs (the shipped questions x the sage trait's positive replies), `pv` read from a file"
    from persona_vectors.extract import load_trait, load_prompts
    trait = load_trait(ROOT/'data'/'personas'/'sage.json')
    qs = [r['prompt'] for r in load_prompts(ROOT/'data'/'personas'/'questions.jsonl')]
    pos = [p['pos'] for p in trait['instruction']]
    data = work/'screen.jsonl'
    data.write_text(''.join(json.dumps({'prompt': qs[i % len(qs)], 'response': pos[i % len(pos)]}) + '\n' for i in range(a.n_screen)))
    pv.save(work/'e2e-sage'); shutil.rmtree(work/'screen-out', ignore_errors=True)
    return cli_screen(folder, data, work/'e2e-sage.safetensors', work/'screen-out', a)

def devmap_check(device)->dict:
    "A tiny model with blocks 0-1 on the CPU and 2-3 on `device`: hooks give the single-device results"
    from accelerate import dispatch_model
    from persona_vectors.models import tiny_model, pad_batch, model_device
    from persona_vectors.hooks import capture, add_vectors, cap_projection, forward_to
    import copy
    m, t = tiny_model()
    batch = pad_batch([t('Spread me over two devices').input_ids, t('Hi').input_ids], t.pad_token_id)
    v, axis = torch.randn(64), torch.randn(64)
    def run(model):
        with torch.no_grad(), capture(model, [1, 3]) as cap, add_vectors(model, v, layers=[1, 3], strength=2.0), \
             cap_projection(model, axis, floor=0.5, layers=3) as st, capture(model, 4) as deep:
            forward_to(model, batch, 3)
        return {l: cap[l][0].float().cpu() for l in (1, 3)}, st.capped, len(deep[4])
    ref = run(m)
    mods = ['model.embed_tokens', 'model.rotary_emb', 'model.layers.0', 'model.layers.1', 'model.layers.2', 'model.layers.3', 'model.norm', 'lm_head']
    split = dispatch_model(copy.deepcopy(m), {k: 'cpu' if i < 4 else str(device) for i, k in enumerate(mods)}, main_device='cpu', force_hooks=True)
    got = run(split)
    devs = sorted({str(p.device) for p in split.parameters()})
    diff = max(float((got[0][l] - ref[0][l]).abs().max()) for l in (1, 3))
    return dict(param_devices=devs, main_device=str(model_device(split)), max_abs_diff=diff, capped=[got[1], ref[1]], deep_calls=got[2],
                ok=bool(diff < 1e-4 and got[1] == ref[1] and got[2] == 0 and len(devs) == 2))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shape', default='7b', choices=list(SHAPES))
    ap.add_argument('--init', default='save', choices=['save', '4bit', 'config'])
    ap.add_argument('--quantization', default=None, choices=['8bit', '4bit'])
    ap.add_argument('--tokenizer', default=None, help="SmolLM2's tokenizer folder (default: the cache load_model() writes)")
    ap.add_argument('--work', default=None, help='folder for the checkpoint and outputs (default: a temporary one)')
    ap.add_argument('--n-extract', type=int, default=1000, help='conversations per side for extraction')
    ap.add_argument('--n-screen', type=int, default=5000, help='prompt/response pairs for the CLI screen')
    ap.add_argument('--n-speed', type=int, default=5000, help='random-token samples for the TFLOP/s measurements')
    ap.add_argument('--token-budget', type=int, default=65536)
    ap.add_argument('--steps', default='extract,library,steer,guard,screen,audit,speed,devmap')
    ap.add_argument('--no-compile', action='store_true', help='speed: eager only')
    ap.add_argument('--reuse', action='store_true', help='keep a checkpoint already in --work (e.g. load the bf16 one again with --quantization)')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    smoke = a.shape == 'smoke'
    if a.init == '4bit': a.quantization = '4bit'
    if smoke: a.n_extract, a.n_screen, a.n_speed, a.token_budget = 8, 16, 32, 2048
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    cfg, steps = SHAPES[a.shape], a.steps.split(',')
    work = Path(a.work) if a.work else Path(__import__('tempfile').mkdtemp(prefix='pv_e2e_'))
    out = Path(a.out or ROOT/'bench'/'results'/f"gpu_e2e_{a.shape}{'_' + a.quantization if a.quantization else ''}.json")
    card = torch.cuda.get_device_name() if device == 'cuda' else platform.processor() or 'cpu'
    rec = Recorder(out, dict(shape=a.shape, config=cfg, params=n_params(cfg), quantization=a.quantization, init=a.init, device=card,
                             gpu_memory_gib=round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1) if device == 'cuda' else None,
                             torch=torch.__version__, transformers=transformers.__version__, argv=sys.argv[1:]))
    print(f'{a.shape} ({n_params(cfg)/1e9:.2f}B params) on {card}; torch {torch.__version__}, transformers {transformers.__version__}', flush=True)
    from persona_vectors.models import load_model, model_device
    from persona_vectors.hooks import n_layers, add_vectors, compile_blocks
    from persona_vectors.extract import extract_contrastive, get_activations, load_trait, trait_conversations, load_prompts
    from persona_vectors.vectors import PersonaVector, VectorLibrary
    from persona_vectors.screen_project import trait_units, project_encoded
    from persona_vectors import models as M
    tok = smollm2_tokenizer(a.tokenizer)
    peak_mm = matmul_tflops(device, torch.bfloat16, n=512 if smoke else 8192) if device == 'cuda' else None
    rec.res['matmul_8192_bf16_tflops'] = round(peak_mm, 1) if peak_mm else None

    folder = work/f'random-{a.shape}'
    if a.reuse and (folder/'config.json').exists(): rec.res['steps']['checkpoint'] = dict(seconds=0, reused=str(folder), init=a.init)
    else: rec.step('checkpoint', lambda: make_checkpoint(cfg, folder, tok, a.init, device))
    S = {}
    if steps == ['screen']:   # the CLI alone: this process holds no model, so the command gets the whole card (32B in bf16 on 80 GB)
        L = cfg['num_hidden_layers']
        S['pv'] = PersonaVector('e2e-sage', {L // 2: torch.randn(cfg['hidden_size'])}, {'model': str(folder)})
        rec.step('screen_cli', lambda: screen_step(S['pv'], folder, work, a))
        return finish(rec)
    def load():
        S['model'], S['tok'] = load_model(str(folder), quantization=a.quantization)
        p = next(S['model'].parameters())
        return dict(dtype=str(S['model'].dtype), device=str(model_device(S['model'])), how='load_model(path' + (f", quantization='{a.quantization}')" if a.quantization else ')'))
    r = rec.step('load', load)
    if 'error' in r: return finish(rec)
    model, tok = S['model'], S['tok']
    L = n_layers(model); mid = L // 2
    trait = load_trait(ROOT/'data'/'personas'/'sage.json')
    qs = [r['prompt'] for r in load_prompts(ROOT/'data'/'personas'/'questions.jsonl')]
    pos, neg = trait_conversations(trait, qs)
    reps = -(-a.n_extract // len(pos))
    pos, neg = (pos * reps)[:a.n_extract], (neg * reps)[:a.n_extract]
    lib = VectorLibrary(work/'vectors')
    if 'extract' in steps:
        def extract():
            c = extract_contrastive(model, tok, pos, neg, layers=None, reading='last', batch_size=256, cache=False)
            S['pv'] = PersonaVector.from_contrast('e2e-sage', c)
            return dict(n=2 * a.n_extract, layers=len(c.layers), note='all layers read, so every block runs')
        rec.step('extract', extract)
    if 'library' in steps and 'pv' in S:
        def library():
            from persona_vectors.axes import safety_axis, default_safety_prompts
            lib.save(S['pv'], overwrite=True)
            back = lib.load('e2e-sage')
            same = all(torch.equal(back[l], S['pv'][l]) for l in S['pv'].layers)
            safe, unsafe = default_safety_prompts(32)
            ax = safety_axis(model, tok, safe, unsafe, layers=list(range(1, L + 1)), n_floor=8, max_new_tokens=16, cache=False)
            lib.save(ax, overwrite=True)
            return dict(roundtrip_equal=same, vectors=lib.list())
        rec.step('library', library)
    prompts = qs[:16]
    if 'steer' in steps and 'pv' in S:
        def steer():
            from persona_vectors.steer import SteeringEngine
            eng = S['engine'] = SteeringEngine(model, tok, library=lib)
            r1 = eng.generate(prompts[0], 'e2e-sage', strength=4.0, max_new_tokens=64)
            t0 = time.perf_counter()
            with add_vectors(model, {mid: S['pv'].unit(mid)}, strength=8.0):
                outs = M.generate(model, tok, prompts, max_new_tokens=64, batch_size=16)
            batch_s = time.perf_counter() - t0
            return dict(n=1, engine_text=r1.text[:200], engine_capping=getattr(r1, 'capping', None), engine_n_capped=getattr(r1, 'n_capped', None),
                        batch_16x64_seconds=round(batch_s, 2), batch_tokens_per_s=round(16 * 64 / batch_s, 1))
        rec.step('steer', steer, unit='replies')
    if 'guard' in steps:
        def guard():
            from persona_vectors.monitor import fit_detector, guarded_generate, shipped_safety
            t0 = time.perf_counter()
            det = fit_detector(model, tok, shipped_safety('train'), method='two-vector', layer=mid, cache=False)
            fit_s = time.perf_counter() - t0
            texts, v = guarded_generate(model, tok, prompts, det, refuse=True, max_new_tokens=32, batch_size=16)
            return dict(n=len(prompts), fit_seconds=round(fit_s, 2), flagged=int(sum(v.flags)), refused=int(sum(t == det_refusal() for t in texts)))
        rec.step('guard', guard, unit='prompts')
    if 'audit' in steps and 'pv' in S:
        def audit():
            from persona_vectors.audit import audit as run_audit
            res = run_audit((model, tok), (model, tok), [S['pv']], prompts, out_dir=work/'audit', max_new_tokens=32, batch_size=16, cache=False)
            return dict(n=len(prompts), risk=res['risk'], shift=res['traits']['e2e-sage']['shift'], note='the model against itself: shift ~0 by construction')
        rec.step('audit', audit, unit='prompts')
    if 'speed' in steps:
        enc = random_samples(a.n_speed, cfg['vocab_size'], smoke=smoke)
        layers = [mid, max(mid + 1, L * 5 // 7)]
        units = trait_units(random_vectors(cfg['hidden_size'], layers))
        P, Lrun, toks = block_weights(model), max(layers), sum(len(e[0]) for e in enc)
        F = flops(enc, Lrun, P, cfg['hidden_size'])
        rec.res['speed_workload'] = dict(n=a.n_speed, tokens=toks, layers=layers, blocks_run=Lrun, flops=F, token_budget=a.token_budget)
        def speed(compiled):
            def fn():
                if compiled: compile_blocks(model)
                project_encoded(model, enc[:256], units, batch_size=1024, token_budget=a.token_budget)  # warm up (and compile)
                sync(); t0 = time.perf_counter()
                project_encoded(model, enc, units, batch_size=1024, token_budget=a.token_budget)
                sync(); w = time.perf_counter() - t0
                tf = F / w / 1e12
                return dict(n=len(enc), timed_seconds=round(w, 2), timed_samples_per_s=round(len(enc) / w, 1), tflops=round(float(tf), 1),
                            frac_matmul=round(float(tf / peak_mm), 3) if peak_mm else None)
            return fn
        rec.step('speed_screen_eager', speed(False))
        if not a.no_compile and not smoke: rec.step('speed_screen_compiled', speed(True))
        def extract_speed():
            from persona_vectors.models import pad_batch
            from persona_vectors.hooks import forward_to
            # extraction's reading loop (get_activations) on the same token ids: length-sorted batches, last token, stop at Lrun
            from persona_vectors.hooks import length_batches
            t_all = 0.0
            for warm in (True, False):
                sub = enc[:256] if warm else enc
                sync(); t0 = time.perf_counter()
                for idx in length_batches([len(e[0]) for e in sub], 1024, a.token_budget):
                    b = pad_batch([sub[i][0] for i in idx], 0, 'right', model_device(model))
                    last = b['attention_mask'].sum(1) - 1
                    with torch.inference_mode(): forward_to(model, b, [Lrun], reduce=lambda h: h[torch.arange(h.shape[0], device=h.device), last].float())
                sync(); t_all = time.perf_counter() - t0
            tf = F / t_all / 1e12
            return dict(n=len(enc), tflops=round(float(tf), 1), frac_matmul=round(float(tf / peak_mm), 3) if peak_mm else None, compiled=not a.no_compile and not smoke)
        rec.step('speed_extract_reading', extract_speed)
        if not a.no_compile and not smoke: compile_blocks(model, enable=False)
    if 'devmap' in steps and device == 'cuda':
        rec.step('devmap_cpu_gpu_hooks', lambda: devmap_check('cuda:0'))
    if 'screen' in steps and 'pv' in S:   # last, with this process's model freed: the command loads its own copy
        del model, S['model']; S.pop('engine', None); free()
        rec.step('screen_cli', lambda: screen_step(S['pv'], folder, work, a))
    finish(rec)

def det_refusal():
    from persona_vectors.monitor import REFUSAL
    return REFUSAL

def finish(rec):
    s = rec.res['steps']
    sp = [s[k].get('frac_matmul') for k in ('speed_screen_eager', 'speed_screen_compiled') if k in s and s[k].get('frac_matmul')]
    rec.res['checks'] = {'every step ran without an error': all('error' not in r for r in s.values())}
    if sp: rec.res['checks']['screening >= 60% of the 8192^3 bf16 matmul (best of eager/compiled)'] = max(sp) >= 0.6
    if 'devmap_cpu_gpu_hooks' in s: rec.res['checks']['hooks across CPU and GPU blocks equal single-device'] = bool(s['devmap_cpu_gpu_hooks'].get('ok'))
    rec.save()
    print('\n| step | seconds | n/s | GPU peak GiB | notes |\n|---|---|---|---|---|')
    for k, r in s.items():
        rate = next((f'{v}' for kk, v in r.items() if kk.endswith('_per_s')), '')
        notes = ', '.join(f'{kk}={v}' for kk, v in r.items() if kk in ('tflops', 'frac_matmul', 'error', 'batch_tokens_per_s', 'timed_samples_per_s'))
        print(f"| {k} | {r['seconds']} | {rate} | {r.get('gpu_peak_gib', '')} | {notes} |")
    for k, ok in rec.res['checks'].items(): print(f"{'PASS' if ok else 'MISS'}  {k}")
    print(f'wrote {rec.out}')

if __name__ == '__main__': main()
