"""Helpers the benchmark scripts share: find the data, and load SmolLM2 in the project env (transformers 5) or in
the peers env (transformers 4.x, see bench/README.md), so that ours and the peers run on the same model object."""
import glob, os, warnings
from pathlib import Path

import torch, transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parent.parent

def shared_data(path=None)->Path:
    "The shared reference data folder: `path`, else ../shared/data beside the checkout, else /work/shared/data"
    for p in ([Path(path)] if path else [ROOT.parent/'shared'/'data', Path('/work/shared/data')]):
        if (p/'safety').is_dir(): return p
    raise FileNotFoundError(f'no shared data folder with safety/ found (tried {path or [str(ROOT.parent/"shared"/"data"), "/work/shared/data"]}); pass --data')

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
