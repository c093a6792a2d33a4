"""Cost of hooks on SmolLM2-135M-Instruct (CPU): the overhead of an attached no-op steering hook on generation
throughput, and the speedup of stopping a forward pass after the middle layer.

    python bench/hooks_speed.py [--model smollm2] [--repeats 7] [--threads N] [--out bench/results/hooks_speed.json]

(a) Generation: greedy generation of `new_tokens` tokens (forced, so every run makes the same number), plain and with
`add_vectors` attaching a zero vector at the middle layer (a steering hook that changes nothing, so only its cost
shows). (b) Early stop: one forward pass of a 32-prompt batch through the whole model (with the LM head, as a plain
`model(**batch)` call does) against `forward_to` the middle layer.
Runs alternate (plain, hooked, plain, hooked, ...) so drift in machine load hits both sides alike; we report medians
of wall time, and of this process's CPU time too, which is steadier on a busy machine.
"""
import argparse, json, statistics
from pathlib import Path
import torch
from bench_common import timed
from persona_vectors.models import load_model, generate, pad_batch, encode_conversation, model_device
from persona_vectors.hooks import add_vectors, forward_to, n_layers

med = lambda runs, i: statistics.median(r[i] for r in runs)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default=None)
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--new_tokens', type=int, default=64)
    ap.add_argument('--threads', type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument('--out', default=str(Path(__file__).resolve().parent/'results'/'hooks_speed.json'))
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model, tok = load_model(a.model)
    L = n_layers(model); mid = L // 2
    prompt = 'Write a short paragraph about the history of the printing press.'
    zero = torch.zeros(model.config.hidden_size)
    gen = lambda: generate(model, tok, prompt, max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens)
    def gen_hooked():
        with add_vectors(model, zero, layers=mid): gen()
    gen(); gen_hooked()  # warm up
    plain, hooked = [], []
    for _ in range(a.repeats):
        plain.append(timed(gen)[1:]); hooked.append(timed(gen_hooked)[1:])
    tps_plain, tps_hooked = a.new_tokens / med(plain, 0), a.new_tokens / med(hooked, 0)

    prompts = [f'Question {i}: explain one idea from physics in simple words, please.' for i in range(32)]
    batch = pad_batch([encode_conversation(tok, p)[0] for p in prompts], tok.pad_token_id, 'right', model_device(model))
    def full():
        with torch.inference_mode(): model(**batch, use_cache=False)
    def early():
        with torch.inference_mode(): forward_to(model, batch, mid)
    full(); early()
    t_full, t_early = [], []
    for _ in range(a.repeats):
        t_full.append(timed(full)[1:]); t_early.append(timed(early)[1:])
    res = dict(model=a.model or 'smollm2', device=str(model_device(model)), threads=torch.get_num_threads(), n_layers=L, hook_layer=mid,
               new_tokens=a.new_tokens, repeats=a.repeats,
               gen_tokens_per_s_plain=round(tps_plain, 1), gen_tokens_per_s_hooked=round(tps_hooked, 1),
               hook_overhead_pct=round(100 * (tps_plain / tps_hooked - 1), 2),
               hook_overhead_pct_cpu_time=round(100 * (med(hooked, 1) / med(plain, 1) - 1), 2),
               forward_full_s=round(med(t_full, 0), 4), forward_to_mid_s=round(med(t_early, 0), 4),
               early_stop_speedup=round(med(t_full, 0) / med(t_early, 0), 2),
               early_stop_speedup_cpu_time=round(med(t_full, 1) / med(t_early, 1), 2),
               batch=len(prompts), batch_tokens=int(batch['attention_mask'].sum()))
    print(json.dumps(res, indent=1))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
