"""How closely bf16 screening follows float32 with *real* persona vectors (screen_speed.py uses random directions).

SmolLM2 on the CPU, 200 prompt/response pairs of ~120 tokens (screen_speed.long_samples), two persona vectors
extracted here from the shipped trait files (sage, trickster; 20 contrastive pairs each, last prompt token, layers
12 and 15), projected with `screen.project_encoded` once with float32 weights and once with bfloat16 weights, and,
as a third variant, float32 weights under `torch.autocast(bfloat16)`. Prints and writes the Pearson correlation of
each reading (response mean, last prompt token) with float32 per vector, and the CPU time of each pass.

    PYTHONPATH=$PWD python bench/screen_dtype_accuracy.py [--n 200] [--out bench/results/screen_dtype_accuracy.json]
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import ROOT
from screen_speed import long_samples
from persona_vectors.models import load_model, encode_conversation
from persona_vectors.screen import trait_units, project_encoded
from persona_vectors.extract import extract_contrastive, load_trait, trait_conversations, load_prompts
from persona_vectors.vectors import PersonaVector

def persona_units(model, tok, traits=('sage', 'trickster'), layers=(12, 15), n:int=20)->dict:
    "One unit direction per (trait, layer), extracted from the shipped trait files"
    qs = [r['prompt'] for r in load_prompts(ROOT/'data'/'personas'/'questions.jsonl')][:10]
    vecs = []
    for t in traits:
        pos, neg = trait_conversations(load_trait(ROOT/'data'/'personas'/f'{t}.json'), qs)
        pv = PersonaVector.from_contrast(t, extract_contrastive(model, tok, pos[:n], neg[:n], layers=list(layers), reading='last', cache=False))
        vecs += [PersonaVector(f'{t}{l}', {l: pv[l]}, {'layer': l}) for l in layers]
    return trait_units(vecs)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n', type=int, default=200)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'screen_dtype_accuracy.json'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m32, tok = load_model('smollm2', device='cpu', dtype='float32')
    enc = [encode_conversation(tok, r) for r in long_samples(tok, a.n, ROOT/'data'/'reference', 120)]
    units = persona_units(m32, tok)
    def run(model, autocast=False):
        t = time.process_time()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast): r = project_encoded(model, enc, units, batch_size=32)
        return r, time.process_time() - t
    ref, t32 = run(m32)
    mb = load_model('smollm2', device='cpu', dtype='bfloat16')[0]
    res = dict(n=a.n, vectors=list(units), float32_cpu_s=round(t32, 1), variants={})
    for name, (r, t) in {'bfloat16': run(mb), 'autocast_bf16': run(m32, True)}.items():
        res['variants'][name] = dict(cpu_s=round(t, 1), pearson={k: {v: round(float(np.corrcoef(ref[k][:, j], r[k][:, j])[0, 1]), 6)
                                                                     for j, v in enumerate(units)} for k in ref})
    print(json.dumps(res, indent=1))
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
