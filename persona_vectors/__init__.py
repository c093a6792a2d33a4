"""persona_vectors: find persona directions in a transformer's residual stream, and use them to monitor, steer, cap and screen.

The names below are the library's main entry points, importable from the top level
(`from persona_vectors import load_model, extract_contrastive, SteeringEngine`). They load lazily: `import
persona_vectors` imports neither torch nor transformers until one of them is used, so the command line stays fast.
Everything else lives in its module (`persona_vectors.hooks`, `.monitor`, ...), documented in the notebook of the
same name. This file is written by hand (nbdev only keeps `__version__` here); `nbs/index.ipynb` tests it."""
__version__ = "0.1.0"

_MAIN = {  # name -> module, in the order a reader meets them
    'core': ['home_dir', 'data_dir', 'layer_list', 'check_strength', 'STRENGTH_LIMIT'],
    'models': ['load_model', 'generate', 'format_prompt', 'tiny_model'],
    'hooks': ['capture', 'add_vectors', 'cap_projection', 'forward_to', 'stop_after', 'n_layers', 'read_batched'],
    'extract': ['get_activations', 'extract_contrastive', 'generate_responses', 'load_prompts', 'load_trait',
                'trait_conversations'],
    'vectors': ['PersonaVector', 'VectorLibrary', 'blend_vectors', 'orthogonalize'],
    'monitor': ['Detector', 'make_detector', 'fit_detector', 'default_detector', 'load_labelled', 'check_prompt',
                'detection_metrics'],
    'sweep': ['read_all', 'layer_sweep'],
    'steer': ['SteeringEngine', 'residual_scale', 'parse_blend'],
    'axes': ['safety_axis', 'assistant_axis', 'dose_response'],
    'personas': ['PersonaManager', 'ARCHETYPES'],
    'widgets': ['SteeringPanel'],
    'screen': ['screen_dataset'],
    'audit': ['audit'],
}
_WHERE = {name: mod for mod, names in _MAIN.items() for name in names}
__all__ = list(_WHERE)

def __getattr__(name:str):
    "Import a main entry point on first use"
    if name not in _WHERE: raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    import importlib
    value = getattr(importlib.import_module(f'{__name__}.{_WHERE[name]}'), name)
    globals()[name] = value
    return value

def __dir__(): return sorted(list(globals()) + __all__)
