"""Prove the peer libraries `steering-vectors` and `repeng` run on our real model, and pin down their layer numbering.

Run with the separate peers env (see bench/requirements.txt), never the project's env:

    ../peers-venv/bin/python bench/peers_check.py [--layer 15] [--n 20]

It loads SmolLM2-135M-Instruct from the persona_vectors cache (the dequantized safetensors folder `load_model()`
writes), builds `n` contrastive prompt pairs (same question, opposite system prompts, chat-templated, read at the
last prompt token), trains one steering-vectors vector and one repeng vector at one middle layer, checks both against
activations read straight from `output_hidden_states`, and steers a short greedy generation with each.

Layer numbering. Ours: layer l = HF `hidden_states[l]` = output of decoder block l-1 (0 = embeddings).
Both peers index decoder blocks: their layer i reads the output of block i, i.e. our layer i+1.
(For the LAST block they differ: steering-vectors hooks the block output (pre final norm, = ours),
repeng reads `hidden_states[i+1]`, which HF returns AFTER the final norm.)
"""
import argparse, os, tempfile, time
from pathlib import Path

import numpy as np, torch, transformers
from sklearn.decomposition import PCA
from bench_common import smollm2_dir, load_smollm2

import steering_vectors, repeng
from steering_vectors import train_steering_vector
from repeng import ControlModel, ControlVector, DatasetEntry

POS = "You are a relentlessly cheerful assistant. Everything delights you and you answer with joy and enthusiasm."
NEG = "You are a deeply gloomy assistant. Everything saddens you and you answer with weary pessimism."
QUESTIONS = ["How do I bake bread?", "What is the capital of France?", "Tell me about the weather today.",
             "How should I spend my weekend?", "What do you think of Mondays?", "Describe a rainy afternoon.",
             "How do plants grow?", "What is a good book to read?", "How do I learn to swim?",
             "What happens when the sun sets?", "Give me advice about my new job.", "What is your favourite colour?",
             "How do I fix a flat tyre?", "What is the meaning of a birthday?", "How do trains work?",
             "Tell me about the ocean.", "What should I cook for dinner?", "How do I start running?",
             "What is music for?", "Describe your morning."]


def chat(tok, system, question):
    "Chat-templated prompt through the assistant header (what persona_vectors' reading='last' reads the end of)"
    return tok.apply_chat_template([{'role': 'system', 'content': system}, {'role': 'user', 'content': question}],
                                   tokenize=False, add_generation_prompt=True)


@torch.no_grad()
def last_token_states(model, tok, texts, hs_index):
    "hidden_states[hs_index] at the last token of each text, one forward per text (no padding)"
    return torch.stack([model(**tok(t, return_tensors='pt'), output_hidden_states=True).hidden_states[hs_index][0, -1]
                        for t in texts])


@torch.no_grad()
def greedy(model, tok, text, n=16):
    enc = tok(text, return_tensors='pt', return_token_type_ids=False)
    out = model.generate(**enc, max_new_tokens=n, do_sample=False, pad_token_id=tok.pad_token_id)
    return tok.decode(out[0, enc.input_ids.shape[1]:], skip_special_tokens=True).replace('\n', ' ')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--layer', type=int, default=15, help='our layer (= HF hidden_states index); peers get layer-1')
    ap.add_argument('--n', type=int, default=20, help='number of contrastive pairs (at most 20)')
    ap.add_argument('--model-dir', default=None)
    a = ap.parse_args()
    torch.manual_seed(0); torch.set_num_threads(min(2, os.cpu_count() or 1))
    t0 = time.perf_counter()
    model, tok = load_smollm2(smollm2_dir(a.model_dir))
    L, peer = a.layer, a.layer - 1
    nl = model.config.num_hidden_layers
    assert 1 <= L <= nl, f'--layer must be in 1..{nl}'
    print(f'torch {torch.__version__}, transformers {transformers.__version__}, numpy {np.__version__}, '
          f'steering-vectors {getattr(steering_vectors, "__version__", "0.12.x")}, repeng {getattr(repeng, "__version__", "?")}')
    print(f'model {type(model).__name__}: {nl} blocks, hidden {model.config.hidden_size}, rope_theta {model.config.rope_theta}, '
          f'padding_side {tok.padding_side!r}, pad {tok.pad_token!r}; loaded in {time.perf_counter()-t0:.1f}s')

    qs = QUESTIONS[:a.n]
    pos, neg = [chat(tok, POS, q) for q in qs], [chat(tok, NEG, q) for q in qs]
    print(f'{len(qs)} pairs; prompt ends with {pos[0][-30:]!r}; tokens/prompt ~{len(tok(pos[0]).input_ids)}')
    ref_pos, ref_neg = last_token_states(model, tok, pos, L), last_token_states(model, tok, neg, L)

    # steering-vectors: layers=[block index]; reads block output at read_token_index=-1; mean of paired differences
    t = time.perf_counter()
    sv = train_steering_vector(model, tok, list(zip(pos, neg)), layers=[peer], batch_size=1, read_token_index=-1)
    t_sv = time.perf_counter() - t
    v_sv = sv.layer_activations[peer].float()
    ok_sv = torch.allclose(v_sv, (ref_pos - ref_neg).mean(0), atol=1e-4)
    print(f'\nsteering-vectors: layer_activations keys {list(sv.layer_activations)} -> shape {tuple(v_sv.shape)}, '
          f'norm {v_sv.norm():.3f}, {t_sv:.2f}s')
    print(f'  sv layer {peer} == mean(hidden_states[{L}][pos,-1] - hidden_states[{L}][neg,-1]): {ok_sv}')

    # repeng: hidden_layers=[block index]; reads hidden_states[i+1] at the last non-pad token; PCA(1) on the diffs
    t = time.perf_counter()
    cv = ControlVector.train(model, tok, [DatasetEntry(p, n) for p, n in zip(pos, neg)], hidden_layers=[peer], batch_size=8)
    t_rp = time.perf_counter() - t
    v_rp = torch.from_numpy(cv.directions[peer]).float()
    diffs = (ref_pos - ref_neg).numpy()
    pc = PCA(n_components=1).fit(diffs).components_[0]  # sklearn centres the diffs first
    pc = pc * np.sign((diffs @ pc > 0).mean() - 0.5)     # repeng's sign: most pairs project pos > neg
    ok_rp = np.allclose(cv.directions[peer], pc, atol=1e-4)
    print(f'repeng: directions keys {list(cv.directions)} -> shape {tuple(v_rp.shape)}, norm {v_rp.norm():.3f}, {t_rp:.2f}s')
    print(f'  repeng layer {peer} == sign-fixed PCA(1) of centred hidden_states[{L}] diffs: {ok_rp}')
    cos = torch.nn.functional.cosine_similarity(v_sv, v_rp, dim=0).item()
    print(f'  cosine(steering-vectors mean diff, repeng pca_diff) = {cos:.3f}')

    ok_ours = True
    try:  # our own hooks and GGUF files in the same env, if importable there (pip install --no-deps -e . or PYTHONPATH)
        from persona_vectors.hooks import forward_to
        from persona_vectors.vectors import PersonaVector, write_control_vector_gguf, read_control_vector_gguf
        ids = tok(pos[0], return_tensors='pt')
        ours = forward_to(model, dict(ids), [L])[L][0, -1]
        ok_hooks = torch.allclose(ours, ref_pos[0], atol=1e-5)
        print(f'persona_vectors.hooks.forward_to layer {L} == hidden_states[{L}] (= peers\' layer {peer}): {ok_hooks}')
        # GGUF interchange, checked with repeng's own reader and writer
        tmp = Path(tempfile.mkdtemp(prefix='pv_gguf_'))
        write_control_vector_gguf(PersonaVector('cheerful', {L: v_sv}, {'model_type': model.config.model_type}), tmp/'ours.gguf')
        theirs = ControlVector.import_gguf(tmp/'ours.gguf')
        ok_in = (list(theirs.directions) == [peer] and theirs.model_type == model.config.model_type
                 and np.array_equal(np.asarray(theirs.directions[peer]), v_sv.numpy()))
        cv.export_gguf(tmp/'repeng.gguf')
        back = read_control_vector_gguf(tmp/'repeng.gguf')
        ok_out = back.layers == [L] and torch.equal(back[L], v_rp)
        print(f'our GGUF read by repeng.ControlVector.import_gguf as direction {peer}, values equal: {ok_in}; '
              f'repeng export_gguf read by us as layer {L}, values equal: {ok_out}')
        ok_ours = ok_hooks and ok_in and ok_out
    except ImportError: print('persona_vectors not importable in this env: skipped our hooks and GGUF cross-checks')

    q = chat(tok, 'You are a helpful assistant.', 'How was your day?')
    t = time.perf_counter()
    print(f'\nbase      : {greedy(model, tok, q)!r}')
    for mult in (-4, 4):
        with sv.apply(model, multiplier=mult): print(f'sv  x{mult:+d}   : {greedy(model, tok, q)!r}')
    cm = ControlModel(model, [peer])  # wraps model.model.layers[peer] in place
    scale = v_sv.norm().item()      # give repeng's unit vector the same norm as the mean difference
    for coeff in (-4*scale, 4*scale):
        cm.set_control(cv, coeff); print(f'rp  {coeff:+.1f}: {greedy(cm, tok, q)!r}')
    cm.reset(); model = cm.unwrap()
    print(f'steered generation: {time.perf_counter()-t:.1f}s; total {time.perf_counter()-t0:.1f}s')
    print(f'\nLAYER MAPPING: our layer {L} = hidden_states[{L}] = output of block {peer} = '
          f'steering-vectors layers=[{peer}] = repeng hidden_layers=[{peer}] / ControlModel(model, [{peer}])')
    assert ok_sv and ok_rp, 'a peer did not match its documented reading'
    assert ok_ours, 'our hooks or GGUF files disagree with the peers'


if __name__ == '__main__':
    main()
